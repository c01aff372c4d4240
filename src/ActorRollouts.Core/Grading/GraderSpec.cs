using System.Globalization;

namespace ActorRollouts.Core.Grading;

/// <summary>How a finished session is scored: <paramref name="Command"/> runs in the session's (sandboxed) workspace.
/// <paramref name="Reward"/> <c>exit</c>: 1.0 when it exits 0, else 0.0; <c>stdout</c>: the number on the last line it
/// prints.</summary>
public sealed record GraderSpec(string Command, int TimeoutSeconds = 60, string Reward = GraderSpec.ExitReward)
{
    public const string ExitReward = "exit";
    public const string StdoutReward = "stdout";

    /// <summary>The reward and how it was reached; or, when the grader gave no score at all, a null reward and why. A
    /// grader that could not start (126, 127), was killed by a signal (above 128), timed out, ran into a limit, or in
    /// <c>stdout</c> mode printed no number, says nothing about the session: recording 0.0 for it would be wrong data.</summary>
    public (double? Reward, string Details) Score(int? exitCode, string stdout, bool timedOut, string? failure = null)
    {
        if (failure is not null) return (null, failure);
        if (timedOut) return (null, $"the grader timed out after {TimeoutSeconds} s");
        if (exitCode is 126 or 127) return (null, $"the grader could not start (exit code {exitCode}: {(exitCode == 127 ? "command not found" : "not executable")})");
        if (exitCode > 128) return (null, $"the grader crashed (killed by signal {exitCode - 128}, exit code {exitCode})");
        if (exitCode is null) return (null, "the grader did not exit normally");
        if (Reward == ExitReward) return (exitCode == 0 ? 1.0 : 0.0, $"exit code {exitCode}");
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return double.TryParse(last, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? (value, $"last line of stdout (exit code {exitCode})")
            : (null, $"the grader printed no number on its last line of stdout ('{last}'; exit code {exitCode})");
    }
}
