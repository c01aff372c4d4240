using System.Collections.Immutable;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Captures each distinct template of a new fleet once (<see cref="TemplateCapture"/>) and names the copy in
/// every session's spec, so <c>fleet-started</c> journals the content hash each workspace is made over. With a journal
/// that has shared content (PostgreSQL), the captured tree is stored there too, for sessions on other machines.</summary>
public static class FleetTemplates
{
    public static ImmutableList<SessionSpec> Capture(ImmutableList<SessionSpec> specs, string templatesDir, TextWriter report, ISharedContent? shared = null)
    {
        var captured = new Dictionary<string, CapturedTemplate>(StringComparer.Ordinal);
        foreach (var source in specs.Select(s => s.WorkspaceTemplate).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var template = TemplateCapture.Capture(source, templatesDir);
            captured[source] = template;
            if (shared is not null) TemplateArchive.Publish(shared, template.Hash, template.Folder);
            report.WriteLine($"template {source}: {template.Files:N0} files, {template.Bytes / 1e6:0.#} MB captured as {template.Hash[..12]} in {clock.ElapsedMilliseconds} ms" +
                (template.SpecialFiles.IsEmpty ? "" : $"; left out {template.SpecialFiles.Count} special file(s): {string.Join(", ", template.SpecialFiles.Take(5))}"));
        }
        return specs.Select(s => s.WorkspaceTemplate is { } source ? s with { TemplateHash = captured[source].Hash } : s).ToImmutableList();
    }
}
