using System.Text;
using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Sandbox;

namespace ActorRollouts.Environments.Tools;

/// <summary><c>bash {command, timeout_s?}</c>: runs a command in the workspace, sandboxed (see <see cref="CommandRunner"/>).
/// The files it changes are found by the executor comparing the workspace before and after.</summary>
internal sealed class BashTool : ITool
{
    private const int DefaultTimeoutSeconds = 60;
    private const int MaxTimeoutSeconds = 600;

    public ToolSpec Spec { get; } = new("bash",
        "Run a bash command in the workspace (the current directory). No network. Returns the exit code, stdout and stderr (long output is cut in the middle).",
        Schema.Parse("""
            {"type":"object","properties":{
              "command":{"type":"string","description":"The command line to run with bash -c."},
              "timeout_s":{"type":"integer","minimum":1,"maximum":600,"description":"Kill the command after this many seconds. Default 60."}},
             "required":["command"],"additionalProperties":false}
            """));

    public bool Idempotent => false;

    public async Task<ToolResult> ExecuteAsync(ToolCall call, JsonElement args, ToolContext context, CancellationToken cancellationToken)
    {
        var command = Args.RequiredString(args, "command", allowEmpty: false);
        var timeout = TimeSpan.FromSeconds(Math.Min(Args.OptionalInt(args, "timeout_s", 1) ?? DefaultTimeoutSeconds, MaxTimeoutSeconds));
        var run = await CommandRunner.RunAsync(context.Workspace.Root, command, timeout, context.Options.Sandbox, context.Options.OutputCapBytes, cancellationToken);

        var content = new StringBuilder();
        content.Append(run.TimedOut ? $"Timed out after {timeout.TotalSeconds:0} s; the command and everything it started were killed.\n" : $"Exit code {run.ExitCode}\n");
        if (run.Stdout.Length > 0) content.Append("--- stdout ---\n").Append(run.Stdout).Append(run.Stdout.EndsWith('\n') ? "" : "\n");
        if (run.Stderr.Length > 0) content.Append("--- stderr ---\n").Append(run.Stderr).Append(run.Stderr.EndsWith('\n') ? "" : "\n");
        var data = ToolData.Of(("exit_code", run.ExitCode), ("duration_ms", run.DurationMs), ("timed_out", run.TimedOut),
            ("stdout_truncated", run.StdoutCut), ("stderr_truncated", run.StderrCut), ("sandbox", context.Options.Sandbox.ToString().ToLowerInvariant()));
        return run.TimedOut
            ? new ToolResult(false, call.Name, $"Error [{ErrorCodes.Timeout}]: {content}", call.Id, ErrorCodes.Timeout, Data: data)
            : ToolResult.Success(call, content.ToString(), data: data);
    }
}
