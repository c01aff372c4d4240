using System.Collections.Immutable;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Tasks × samples as sessions under a fleet's settings, their workspace templates and images captured and their
/// MCP servers' tools listed: what
/// <c>run</c> plans and what <c>serve</c> plans for every batch of tasks a client sends.</summary>
public static class FleetPlan
{
    public static async Task<ImmutableList<SessionSpec>> MakeAsync(string fleetId, IEnumerable<TaskDefinition> tasks, FleetSettings settings, string baseUrl,
        RolloutSettings hocon, FleetPaths paths, JournalLocation journal, TextWriter? report = null, CancellationToken cancel = default)
    {
        report ??= Console.Error;
        var planned = FleetTemplates.Capture(FleetPlanner.Plan(fleetId, tasks, Defaults(settings, baseUrl, hocon)), paths.TemplatesDir, report,
            journal.SharedContent);
        var images = new Environments.Images.ImageStore(paths.ImagesDir, hocon.Environment.MaxImageBytes, hocon.Environment.InsecureRegistries);
        var withImages = await FleetImages.CaptureAsync(planned, images, report, cancel);
        return await FleetMcp.ListToolsAsync(withImages, paths, hocon.Environment, report, cancel);
    }

    private static RunDefaults Defaults(FleetSettings s, string baseUrl, RolloutSettings hocon) =>
        new(new Endpoint(baseUrl, s.Model, s.Api, s.ApiKeyEnv, s.ReasoningEffort, s.Temperature, s.MaxOutputTokens, s.ExtraBody, s.Tokens, s.TopLogprobs,
                s.PolicyVersion, s.ToolCallParser, s.MaxStaleness),
            s.MaxTurns, [.. ToolCatalog.DefaultToolNames], hocon.Environment.ConfirmTools, s.Budget);
}
