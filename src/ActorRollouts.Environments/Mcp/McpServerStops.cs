using System.Collections.Concurrent;

namespace ActorRollouts.Environments.Mcp;

/// <summary>The MCP servers being stopped in the background (a session's environment stops its servers off its own
/// thread): a process that shuts down waits for them, so that no server outlives it and an HTTP server is told its
/// sessions ended.</summary>
public static class McpServerStops
{
    private static readonly ConcurrentDictionary<Task, bool> Stopping = new();

    /// <summary>Stops <paramref name="servers"/> in the background, tracked until done.</summary>
    public static void Begin(McpSessionServers servers)
    {
        var stop = servers.DisposeAsync().AsTask();
        Stopping[stop] = true;
        _ = stop.ContinueWith(done => Stopping.TryRemove(done, out _), TaskScheduler.Default);
    }

    /// <summary>Waits (at most <paramref name="limit"/>) for every stop begun so far.</summary>
    public static async Task WhenAllAsync(TimeSpan limit)
    {
        try
        {
            await Task.WhenAll(Stopping.Keys).WaitAsync(limit);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            // the kernel ends what is left with us (bubblewrap's --die-with-parent, setpriv --pdeathsig)
        }
    }
}
