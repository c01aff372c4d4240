using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments;
using ActorRollouts.Environments.Mcp;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Lists the tools of every MCP server a new fleet's tasks bring, once per fleet (once per distinct server and
/// tree), before anything starts, and puts the lists in every session's spec, so <c>fleet-started</c> journals exactly the
/// tools each session offers: a resumed or forked session offers the same, even if the server changed since. A server
/// that cannot start, or does not answer in time, stops the fleet here, naming the task and the server.</summary>
public static class FleetMcp
{
    public static async Task<ImmutableList<SessionSpec>> ListToolsAsync(ImmutableList<SessionSpec> specs, FleetPaths paths, EnvironmentSettings settings,
        TextWriter report, CancellationToken cancel)
    {
        if (specs.All(s => s.McpServers is null or { IsEmpty: true })) return specs;
        var listed = new Dictionary<string, ImmutableList<McpToolSpec>>(StringComparer.Ordinal);
        var result = ImmutableList.CreateBuilder<SessionSpec>();
        foreach (var spec in specs)
        {
            if (spec.McpServers is not { IsEmpty: false } servers)
            {
                result.Add(spec);
                continue;
            }
            var withTools = ImmutableList.CreateBuilder<McpServerSpec>();
            foreach (var server in servers)
            {
                // A stdio server runs in the session's tree: the same server over another template may list other tools.
                var key = JsonSerializer.Serialize(server with { Tools = null }) + (server.IsStdio ? "\n" + spec.LowerLayer(paths.DataDir) : "");
                if (!listed.TryGetValue(key, out var tools))
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    try
                    {
                        listed[key] = tools = await ListAsync(spec, server, paths, settings, cancel);
                    }
                    catch (McpStartException ex)
                    {
                        throw new UsageException($"task '{spec.TaskId}': {ex.Message}");
                    }
                    report.WriteLine($"mcp {spec.TaskId}/{server.Name}: {tools.Count} tools listed in {clock.ElapsedMilliseconds} ms: " +
                                     string.Join(", ", tools.Take(8).Select(t => server.Offered(t.Name))) + (tools.Count > 8 ? ", …" : ""));
                }
                withTools.Add(server with { Tools = tools });
            }
            result.Add(spec with { McpServers = withTools.ToImmutable() });
        }
        return result.ToImmutable();
    }

    /// <summary>A stdio server is started in a throw-away workspace over the task's template or image, as a session's is.</summary>
    private static async Task<ImmutableList<McpToolSpec>> ListAsync(SessionSpec spec, McpServerSpec server, FleetPaths paths, EnvironmentSettings settings,
        CancellationToken cancel)
    {
        if (!server.IsStdio) return await McpToolListing.ListAsync(server, null, settings.Options, settings.McpStartTimeoutOrDefault, cancel);
        var folder = Path.Combine(paths.WorkspacesDir, ".mcp-listing", Guid.NewGuid().ToString("n"));
        try
        {
            using var workspace = await Workspace.OpenAsync(folder, spec.LowerLayer(paths.DataDir), spec.Image);
            return await McpToolListing.ListAsync(server, workspace, settings.Options, settings.McpStartTimeoutOrDefault, cancel);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
