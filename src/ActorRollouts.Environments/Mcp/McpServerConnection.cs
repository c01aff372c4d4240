using System.Collections.Immutable;
using System.Diagnostics;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Sandbox;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ActorRollouts.Environments.Mcp;

/// <summary>One MCP server for one session: a stdio server we started (in the session's sandbox, its cgroups, within its
/// limits) and spoke to over its standard streams, or a Streamable HTTP server with an MCP session of its own.
/// <para>We start stdio servers ourselves rather than through the SDK's stdio transport: from our launcher thread, so that
/// bubblewrap dies with us, with none of our environment, and stopped at once (the SDK's transport waits out its shutdown
/// timeout on every dispose, csharp-sdk #1836).</para></summary>
public sealed class McpServerConnection : IAsyncDisposable
{
    /// <summary>Pinned, so a server is not first asked the 2026 draft's discovery probe (which an older server may leave
    /// unanswered for the probe's whole timeout). A server that answers with an older version is asked again in that one.</summary>
    public const string ProtocolVersion = "2025-06-18";

    private static readonly string[] OlderVersions = ["2025-03-26", "2024-11-05"];

    private readonly Process? _process;
    private readonly CommandGroup? _group;
    private readonly StderrTail _stderr;

    private McpServerConnection(McpClient client, Process? process, CommandGroup? group, StderrTail stderr)
    {
        Client = client;
        _process = process;
        _group = group;
        _stderr = stderr;
    }

    public McpClient Client { get; }

    /// <summary>The Streamable HTTP server's session id (null over stdio).</summary>
    public string? SessionId => Client.SessionId;

    /// <summary>False once a stdio server's process ended.</summary>
    public bool IsAlive => _process is null || !_process.HasExited;

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>The tools the server lists now (null until asked).</summary>
    public IReadOnlySet<string>? Listed { get; internal set; }

    /// <summary>Said once, on the first result from this connection: its list differs from the fleet's.</summary>
    public string? Warning { get; internal set; }

    /// <summary>The warning, the first time it is asked for; null after.</summary>
    internal string? TakeWarning() => Interlocked.Exchange(ref _warningTaken, 1) == 0 ? Warning : null;

    private int _warningTaken;

    /// <summary>How a server that failed mid-call ended: its exit code (null if it still runs after a second) and the last
    /// lines it wrote on stderr, read to their end.</summary>
    public async Task<(int? ExitCode, string StderrTail)> EndingAsync()
    {
        if (_process is { } process)
        {
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(1));
            }
            catch (TimeoutException)
            {
                // its stream broke, yet it runs: it is stopped by the caller
            }
        }
        await _stderr.Drained;
        return (ExitCode, StderrTail);
    }

    /// <summary>The last lines the server wrote on stderr.</summary>
    public string StderrTail => _stderr.Text;

    /// <summary>Starts or connects to the server and completes MCP's <c>initialize</c> within <paramref name="startTimeout"/>;
    /// throws <see cref="McpStartException"/> saying why not (with the server's stderr).</summary>
    public static async Task<McpServerConnection> ConnectAsync(McpServerSpec server, Workspace? workspace, EnvironmentOptions options, TimeSpan startTimeout,
        CancellationToken cancel)
    {
        foreach (var version in (string[])[ProtocolVersion, .. OlderVersions])
        {
            try
            {
                return await ConnectAsync(server, workspace, options, startTimeout, version, cancel);
            }
            catch (McpStartException ex) when (ex.ServerVersion is { } offered && offered != version && OlderVersions.Contains(offered))
            {
                // the server speaks an older protocol: the loop asks in that one next
            }
        }
        throw new McpStartException($"MCP server '{server.Name}' speaks none of the protocol versions {ProtocolVersion}, {string.Join(", ", OlderVersions)}.");
    }

    private static async Task<McpServerConnection> ConnectAsync(McpServerSpec server, Workspace? workspace, EnvironmentOptions options, TimeSpan startTimeout,
        string version, CancellationToken cancel)
    {
        var stderr = new StderrTail();
        Process? process = null;
        CommandGroup? group = null;
        IClientTransport transport;
        if (server.IsStdio)
        {
            group = CommandCgroups.Instance.Create(options.CommandLimits);
            try
            {
                process = await CommandRunner.StartAsync(StdioRequest(server, workspace ?? throw new ArgumentNullException(nameof(workspace)), options), group);
            }
            catch (Exception ex)
            {
                if (group is not null) await group.DisposeAsync();
                throw new McpStartException($"MCP server '{server.Name}' could not start: {ex.Message}");
            }
            stderr.Pump(process.StandardError);
            transport = new StreamClientTransport(process.StandardInput.BaseStream, process.StandardOutput.BaseStream);
        }
        else
        {
            transport = new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(server.Url!),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = (server.Headers ?? ImmutableSortedDictionary<string, string>.Empty).ToDictionary(h => h.Key, h => McpServerSpec.Expand(h.Value)),
                Name = server.Name,
            });
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(startTimeout);
        try
        {
            var client = await McpClient.CreateAsync(transport, new McpClientOptions
            {
                ClientInfo = new Implementation { Name = "actor-rollouts", Version = typeof(McpServerConnection).Assembly.GetName().Version?.ToString() ?? "0" },
                ProtocolVersion = version,
                InitializationTimeout = startTimeout,
            }, cancellationToken: deadline.Token);
            return new McpServerConnection(client, process, group, stderr);
        }
        catch (Exception ex)
        {
            var why = ex switch
            {
                OperationCanceledException when !cancel.IsCancellationRequested => $"it did not answer initialize within {startTimeout.TotalSeconds:0.#} s",
                _ when process is { HasExited: true } => $"it exited (code {process.ExitCode}) before initialize was answered",
                _ => ex.Message,
            };
            await StopAsync(process, group);
            await stderr.Drained; // what it said on its way out
            throw new McpStartException($"MCP server '{server.Name}' {(server.IsStdio ? "could not start" : "could not be reached")}: {why}{stderr.Suffix}",
                ServerVersionIn(ex.Message));
        }
    }

    /// <summary>The server's command in the session's workspace: sandboxed (bubblewrap, no network unless asked), or a
    /// plain process there; either way in the workspace's tree, so relative paths in the command resolve in it.</summary>
    private static CommandRequest StdioRequest(McpServerSpec server, Workspace workspace, EnvironmentOptions options)
    {
        var command = CommandRequest.In(workspace, "", Timeout.InfiniteTimeSpan, options);
        var env = (server.Env ?? ImmutableSortedDictionary<string, string>.Empty).ToDictionary(e => e.Key, e => McpServerSpec.Expand(e.Value));
        var start = workspace.StartDir.Length == 0 ? null : workspace.StartDir;
        return command with
        {
            Mode = server.Sandbox ? options.Sandbox : SandboxMode.None,
            Image = server.Sandbox ? command.Image : null,
            Workspace = !server.Sandbox && start is not null ? Path.Combine(command.Workspace, start) : command.Workspace,
            Program = server.Command,
            Network = server.Network,
            Env = env,
        };
    }

    /// <summary>"…protocol version mismatch… 2024-11-05…": the version an older server offered instead.</summary>
    private static string? ServerVersionIn(string message) =>
        message.Contains("version", StringComparison.OrdinalIgnoreCase) ? OlderVersions.FirstOrDefault(message.Contains) : null;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Client.DisposeAsync();
        }
        catch (Exception)
        {
            // a server that is gone has nothing left to say
        }
        await StopAsync(_process, _group);
    }

    /// <summary>Everything the server started ends with it: its cgroup's processes, else its process tree.</summary>
    private static async Task StopAsync(Process? process, CommandGroup? group)
    {
        group?.KillAll();
        if (process is not null)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            await process.WaitForExitAsync(CancellationToken.None);
            process.Dispose();
        }
        if (group is not null) await group.DisposeAsync();
    }
}

/// <summary>An MCP server that cannot be started or connected; <see cref="ServerVersion"/> is the older protocol version it
/// answered with, if that was why.</summary>
public sealed class McpStartException(string message, string? serverVersion = null) : Exception(message)
{
    public string? ServerVersion { get; } = serverVersion;
}

/// <summary>The last lines a server wrote on stderr, for the message when it fails.</summary>
internal sealed class StderrTail
{
    private const int Lines = 20;
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();

    public string Text
    {
        get
        {
            lock (_lock) return string.Join('\n', _lines);
        }
    }

    /// <summary>": stderr: …" to add to a message, or nothing.</summary>
    public string Suffix => Text is { Length: > 0 } text ? $"; its stderr ends: {text}" : "";

    /// <summary>Done once the server's stderr ended (or a second after it was asked, for a pipe something else holds).</summary>
    public Task Drained => _pumping.WaitAsync(TimeSpan.FromSeconds(1)).ContinueWith(_ => { }, TaskScheduler.Default);

    private Task _pumping = Task.CompletedTask;

    public void Pump(StreamReader reader) => _pumping = PumpAsync(reader);

    private async Task PumpAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
                lock (_lock)
                {
                    _lines.Enqueue(line.Length > 500 ? line[..500] + "…" : line);
                    if (_lines.Count > Lines) _lines.Dequeue();
                }
        }
        catch (Exception)
        {
            // the process ended
        }
    }
}
