using System.Text.Json.Nodes;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Tools;
using ModelContextProtocol.Protocol;

namespace ActorRollouts.Environments.Mcp;

/// <summary>A session's MCP servers: each started (or connected) at the session's first call to it, not before — a session
/// that never calls a server costs nothing — restarted for the next call after it crashed, and all stopped when the
/// session's environment stops.</summary>
public sealed class McpSessionServers(IReadOnlyList<McpServerSpec> servers, Workspace workspace, EnvironmentOptions options, TimeSpan startTimeout)
    : IAsyncDisposable
{
    private readonly Dictionary<string, Task<McpServerConnection>> _live = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private bool _disposed;

    /// <summary>The servers' tools as the model is offered them (<c>server__tool</c>), as the fleet's plan listed them.</summary>
    public IEnumerable<ITool> Tools() => servers.SelectMany(s => (s.Tools ?? []).Select(t => (ITool)new McpTool(s, t, this)));

    /// <summary>The server's live connection, started now if there is none (or the last one died).</summary>
    public Task<McpServerConnection> ConnectionAsync(McpServerSpec server, CancellationToken cancel)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_live.TryGetValue(server.Name, out var live) || (live.IsCompleted && (!live.IsCompletedSuccessfully || !live.Result.IsAlive)))
            {
                if (live is { IsCompletedSuccessfully: true }) _ = live.Result.DisposeAsync().AsTask(); // it died between calls
                // Started with no caller's token: a call that times out must not stop the server every later call uses.
                _live[server.Name] = live = ConnectAndListAsync(server);
            }
            return live.WaitAsync(cancel);
        }
    }

    /// <summary>Connects, and asks the server what it lists now: a tool it no longer has is E_TOOL_UNKNOWN, and a list that
    /// differs from the fleet's is reported once, on the first result from it.</summary>
    private async Task<McpServerConnection> ConnectAndListAsync(McpServerSpec server)
    {
        var connection = await McpServerConnection.ConnectAsync(server, workspace, options, startTimeout, CancellationToken.None);
        try
        {
            using var deadline = new CancellationTokenSource(startTimeout);
            var now = await ToolNamesAsync(connection, deadline.Token);
            var planned = (server.Tools ?? []).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
            connection.Listed = now;
            if (!now.SetEquals(planned))
                connection.Warning = $"MCP server '{server.Name}' lists other tools than when the fleet started (new: {Names(now.Except(planned))}; gone: " +
                                     $"{Names(planned.Except(now))}); the session offers the fleet's list.";
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await connection.DisposeAsync();
            throw new McpStartException($"MCP server '{server.Name}' could not list its tools: {ex.Message}");
        }
        return connection;
    }

    /// <summary>The names in <c>tools/list</c>, every page, read from the raw answer: the SDK's typed list builds a function
    /// wrapper with its schema for each tool, which a session that only compares names does not need.</summary>
    private static async Task<HashSet<string>> ToolNamesAsync(McpServerConnection connection, CancellationToken cancel)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var request = new JsonRpcRequest { Method = RequestMethods.ToolsList, Params = cursor is null ? null : new JsonObject { ["cursor"] = cursor } };
            var page = (await connection.Client.SendRequestAsync(request, cancel)).Result;
            foreach (var tool in page?["tools"] as JsonArray ?? []) if ((string?)tool?["name"] is { } name) names.Add(name);
            cursor = (string?)page?["nextCursor"];
        }
        while (cursor is not null);
        return names;
    }

    private static string Names(IEnumerable<string> names) => names.Any() ? string.Join(", ", names.Order(StringComparer.Ordinal)) : "none";

    /// <summary>Drops a connection whose server failed mid-call, so the next call starts it again.</summary>
    public async Task ForgetAsync(McpServerSpec server, McpServerConnection failed)
    {
        lock (_lock)
        {
            if (_live.TryGetValue(server.Name, out var live) && live.IsCompletedSuccessfully && live.Result == failed) _live.Remove(server.Name);
        }
        await failed.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        List<Task<McpServerConnection>> live;
        lock (_lock)
        {
            _disposed = true;
            live = [.. _live.Values];
            _live.Clear();
        }
        foreach (var connection in live)
        {
            try
            {
                await (await connection).DisposeAsync();
            }
            catch (Exception)
            {
                // never started: nothing to stop
            }
        }
    }
}
