using System.Text;
using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Sandbox;

namespace ActorRollouts.Environments.Tools;

/// <summary><c>bash {command, timeout_s?}</c>: runs a command in the workspace, sandboxed and within its limits (see
/// <see cref="CommandRunner"/>). The files it changes are found by the executor comparing the workspace before and after.
/// A timeout is E_TIMEOUT, a limit hit E_LIMIT; either way the output so far is in the result.</summary>
internal sealed class BashTool : ITool
{
    private const int DefaultTimeoutSeconds = 60;

    public ToolSpec Spec { get; } = SpecWith(EnvironmentOptions.Default.MaxCommandSeconds);

    /// <summary>The schema names the longest timeout this environment allows, so the model is told before it asks.</summary>
    public static ToolSpec SpecWith(int maxSeconds) => new("bash",
        "Run a bash command in the workspace (the current directory). No network. Returns the exit code, stdout and stderr (long output is cut in the middle).",
        Schema.Parse($$$"""
            {"type":"object","properties":{
              "command":{"type":"string","description":"The command line to run with bash -c."},
              "timeout_s":{"type":"integer","minimum":1,"maximum":{{{maxSeconds}}},"description":"Kill the command after this many seconds (at most {{{maxSeconds}}}). Default {{{Math.Min(DefaultTimeoutSeconds, maxSeconds)}}}."}},
             "required":["command"],"additionalProperties":false}
            """));

    public bool Idempotent => false;

    public async Task<ToolResult> ExecuteAsync(ToolCall call, JsonElement args, ToolContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var command = Args.RequiredString(args, "command", allowEmpty: false);
        var seconds = Args.OptionalInt(args, "timeout_s", 1) ?? Math.Min(DefaultTimeoutSeconds, options.MaxCommandSeconds);
        if (seconds > options.MaxCommandSeconds)
            throw new ToolFailure(ErrorCodes.Validation,
                $"timeout_s {seconds} is above the maximum of {options.MaxCommandSeconds} s; ask for at most {options.MaxCommandSeconds}.");
        var timeout = TimeSpan.FromSeconds(seconds);
        var run = await CommandRunner.RunAsync(
            CommandRequest.In(context.Workspace, command, timeout, options), cancellationToken);

        var content = new StringBuilder();
        content.Append(run switch
        {
            { TimedOut: true } => $"Timed out after {seconds} s; the command and everything it started were killed.\n",
            { LimitHit: { } limit } => $"The command hit {LimitKinds.Describe(limit, options.CommandLimits)} (exit code {run.ExitCode}).\n",
            _ => $"Exit code {run.ExitCode}\n",
        });
        if (run.Stdout.Length > 0) content.Append("--- stdout ---\n").Append(run.Stdout).Append(run.Stdout.EndsWith('\n') ? "" : "\n");
        if (run.Stderr.Length > 0) content.Append("--- stderr ---\n").Append(run.Stderr).Append(run.Stderr.EndsWith('\n') ? "" : "\n");
        var data = ToolData.Of(("exit_code", run.ExitCode), ("duration_ms", run.DurationMs), ("timed_out", run.TimedOut),
            ("stdout_truncated", run.StdoutCut), ("stderr_truncated", run.StderrCut), ("sandbox", options.Sandbox.ToString().ToLowerInvariant()),
            ("limits", options.CommandLimits.Report(run.EnforcedBy)), ("limit_hit", run.LimitHit),
            ("peak_memory_bytes", run.PeakMemoryBytes), ("peak_processes", run.PeakProcesses));
        var errorCode = run.TimedOut ? ErrorCodes.Timeout : run.LimitHit is not null ? ErrorCodes.Limit : null;
        return errorCode is null
            ? ToolResult.Success(call, content.ToString(), data: data)
            : new ToolResult(false, call.Name, $"Error [{errorCode}]: {content}", call.Id, errorCode, Data: data);
    }
}
