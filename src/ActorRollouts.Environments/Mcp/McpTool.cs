using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Tools;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace ActorRollouts.Environments.Mcp;

/// <summary>One tool of a session's MCP server, as the model calls it (<c>server__tool</c>). Its arguments go to the server
/// as they came (the server checks them against its schema); its answer becomes a tool result
/// (<see cref="McpResults"/>). A server that errs, crashes or hangs gives the model an error it can read, and the session
/// goes on: a crashed server is started again for the next call, a call past the tool timeout is cancelled on the server
/// (<c>notifications/cancelled</c>) and answered E_TIMEOUT.</summary>
internal sealed class McpTool(McpServerSpec server, McpToolSpec tool, McpSessionServers servers) : ITool
{
    public ToolSpec Spec { get; } = new(server.Offered(tool.Name), tool.Description ?? "", tool.InputSchema);

    /// <summary>Only a read-only tool is run without looking at the workspace before and after: anything else a sandboxed
    /// server does may write files, and what it wrote is journaled as bash's is.</summary>
    public bool Idempotent => tool.ReadOnlyHint == true;

    public async Task<ToolResult> ExecuteAsync(ToolCall call, JsonElement arguments, ToolContext context, CancellationToken cancellationToken)
    {
        McpServerConnection connection;
        try
        {
            connection = await servers.ConnectionAsync(server, cancellationToken);
        }
        catch (McpStartException ex)
        {
            throw new ToolFailure(ErrorCodes.Internal, ex.Message);
        }
        if (connection.Listed is { } listed && !listed.Contains(tool.Name))
            throw new ToolFailure(ErrorCodes.ToolUnknown, $"MCP server '{server.Name}' no longer offers '{tool.Name}' (it lists: {string.Join(", ", listed.Order(StringComparer.Ordinal))}).");
        try
        {
            var request = new JsonRpcRequest
            {
                Method = RequestMethods.ToolsCall,
                Params = new JsonObject { ["name"] = tool.Name, ["arguments"] = JsonNode.Parse(arguments.GetRawText()) },
            };
            // The raw request, not CallToolAsync: 2.4.0's typed result cannot read content blocks that carry annotations.
            var response = await connection.Client.SendRequestAsync(request, cancellationToken);
            return McpResults.From(call, response.Result, server, tool, connection.SessionId, connection.TakeWarning(), context);
        }
        catch (McpProtocolException ex) when (ex.ErrorCode == McpErrorCode.MethodNotFound)
        {
            throw new ToolFailure(ErrorCodes.ToolUnknown, $"MCP server '{server.Name}' does not know '{tool.Name}': {ex.Message}");
        }
        catch (McpProtocolException ex) when (ex.ErrorCode == McpErrorCode.InvalidParams)
        {
            throw new ToolFailure(ErrorCodes.Validation, $"{server.Name} rejected the arguments: {ex.Message}");
        }
        catch (McpProtocolException ex)
        {
            throw new ToolFailure(ErrorCodes.Internal, $"{server.Name} answered with a protocol error ({(int)ex.ErrorCode}): {ex.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the executor answers E_TIMEOUT; the SDK told the server the call is cancelled
        }
        catch (Exception ex)
        {
            // Its process ended, or its stream broke: answered with what it said last, and started again next time.
            var (exit, said) = await connection.EndingAsync();
            await servers.ForgetAsync(server, connection);
            return new ToolResult(false, call.Name,
                $"Error [{ErrorCodes.Internal}]: MCP server '{server.Name}' failed during the call ({(exit is { } code ? $"exit code {code}" : ex.Message)}); " +
                "it is started again for the next call.", call.Id, ErrorCodes.Internal,
                Data: ToolData.Of(("server", server.Name), ("exit_code", exit), ("stderr_tail", said)));
        }
    }
}
