using System.Text;
using ActorRollouts.Environments.Sandbox;

namespace ActorRollouts.Environments.Agents;

/// <summary>Runs a session's agent program to its end: in the session's sandbox and cgroups like a command, with the gateway
/// as its only model endpoint, the prompt on stdin and in <c>$AGENT_PROMPT</c>. It is stopped — everything it started with
/// it — when its <c>timeout_s</c> runs out or the caller cancels (the session ended: budget, cancel, max_turns).</summary>
public static class AgentProgram
{
    private const int TailChars = 4000;

    public static async Task<AgentOutcome> RunAsync(Workspace workspace, AgentLaunch launch, EnvironmentOptions options, CancellationToken cancelled)
    {
        var request = Request(workspace, launch, options);
        await using var group = CommandCgroups.Instance.Create(options.CommandLimits);
        using var process = await CommandRunner.StartAsync(request, group);
        var stderr = new Tail(TailChars);
        var reading = Task.WhenAll(Drain(process.StandardOutput, null), Drain(process.StandardError, stderr));
        var writing = WritePromptAsync(process, launch.Prompt); // not awaited first: an agent that never reads a long prompt must not block us
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancelled);
        deadline.CancelAfter(TimeSpan.FromSeconds(launch.Agent.TimeoutSeconds));
        var stopped = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            stopped = true;
            group?.KillAll();
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it had just exited
            }
            await process.WaitForExitAsync(CancellationToken.None);
        }
        group?.KillAll(); // what it left running in the background ends with it
        await Task.WhenAny(Task.WhenAll(reading, writing), Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        return new AgentOutcome(stopped ? null : process.ExitCode, stopped && !cancelled.IsCancellationRequested, stderr.Text);
    }

    /// <summary>The agent's command where a command of the session would run, with the gateway as its endpoint. Without network
    /// under bubblewrap, through the socket bridge (<see cref="GatewayBridge"/>); otherwise at the gateway's loopback address.</summary>
    public static CommandRequest Request(Workspace workspace, AgentLaunch launch, EnvironmentOptions options)
    {
        var command = CommandRequest.In(workspace, "", Timeout.InfiniteTimeSpan, options);
        var sandboxed = options.Sandbox == SandboxMode.Bwrap;
        var bridged = sandboxed && !launch.Agent.Network;
        var (binds, program) = bridged ? GatewayBridge.Wrap(launch.GatewaySocket, launch.Agent.Command) : (null, launch.Agent.Command);
        var url = bridged ? GatewayBridge.UrlInside : launch.GatewayUrl;
        var folder = workspace.Image is { } image && sandboxed ? image.StartDir
            : sandboxed ? CommandRunner.SandboxWorkspace
            : workspace.StartDir.Length == 0 ? command.Workspace : Path.Combine(command.Workspace, workspace.StartDir);
        var env = new Dictionary<string, string>(launch.Agent.Env ?? System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty, StringComparer.Ordinal)
        {
            ["OPENAI_BASE_URL"] = url,
            ["OPENAI_API_BASE"] = url,
            ["OPENAI_API_KEY"] = launch.Token,
            ["AGENT_PROMPT"] = launch.Prompt,
            ["AGENT_WORKSPACE"] = folder,
        };
        return command with
        {
            Workspace = sandboxed ? command.Workspace : folder,
            Program = program,
            Network = launch.Agent.Network,
            Env = env,
            Binds = binds,
        };
    }

    /// <summary>The prompt on stdin, then end of input. An agent that never reads stdin does not hold anything up.</summary>
    private static async Task WritePromptAsync(System.Diagnostics.Process process, string prompt)
    {
        try
        {
            await process.StandardInput.WriteAsync(prompt);
            await process.StandardInput.FlushAsync();
            process.StandardInput.Close();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // it exited, or closed its stdin, before reading it
        }
    }

    private static async Task Drain(StreamReader reader, Tail? keep)
    {
        var chunk = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(chunk)) > 0) keep?.Append(chunk.AsSpan(0, read));
    }

    /// <summary>The last characters of a stream. Appended by one pump; read once it is done (or given up on), hence the lock.</summary>
    private sealed class Tail(int cap)
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _lock = new();

        public void Append(ReadOnlySpan<char> text)
        {
            lock (_lock)
            {
                _text.Append(text);
                if (_text.Length > cap) _text.Remove(0, _text.Length - cap);
            }
        }

        public string Text
        {
            get
            {
                lock (_lock) return _text.ToString();
            }
        }
    }
}
