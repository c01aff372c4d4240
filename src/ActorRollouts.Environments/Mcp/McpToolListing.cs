using System.Collections.Immutable;
using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Environments.Mcp;

/// <summary>Asks a server for its tools, once per fleet: started as a session would start it (in a workspace over the task's
/// template or image), its <c>tools/list</c> read with every schema and annotation, then stopped.</summary>
public static class McpToolListing
{
    public static async Task<ImmutableList<McpToolSpec>> ListAsync(McpServerSpec server, Workspace? workspace, EnvironmentOptions options, TimeSpan startTimeout,
        CancellationToken cancel)
    {
        await using var connection = await McpServerConnection.ConnectAsync(server, workspace, options, startTimeout, cancel);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(startTimeout);
        IList<ModelContextProtocol.Client.McpClientTool> listed;
        try
        {
            listed = await connection.Client.ListToolsAsync(cancellationToken: deadline.Token);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            throw new McpStartException($"MCP server '{server.Name}' did not list its tools within {startTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new McpStartException($"MCP server '{server.Name}' could not list its tools: {ex.Message}");
        }
        var tools = listed.Select(t => new McpToolSpec(t.Name, t.Description, t.ProtocolTool.InputSchema.Clone(), t.ProtocolTool.OutputSchema?.Clone(),
            t.ProtocolTool.Annotations?.ReadOnlyHint, t.ProtocolTool.Annotations?.DestructiveHint, t.ProtocolTool.Annotations?.IdempotentHint)).ToImmutableList();
        if (tools.GroupBy(t => server.Offered(t.Name)).FirstOrDefault(g => g.Count() > 1) is { } clash)
            throw new McpStartException($"MCP server '{server.Name}': tools {string.Join(" and ", clash.Select(t => $"'{t.Name}'"))} would both be offered as '{clash.Key}'");
        return tools;
    }
}
