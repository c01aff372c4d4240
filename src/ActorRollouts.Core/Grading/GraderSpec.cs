using System.Globalization;

namespace ActorRollouts.Core.Grading;

/// <summary>How a finished session is scored: <paramref name="Command"/> runs in the session's (sandboxed) workspace.
/// <paramref name="Reward"/> <c>exit</c>: 1.0 when it exits 0, else 0.0; <c>stdout</c>: the number on the last line it
/// prints.</summary>
public sealed record GraderSpec(string Command, int TimeoutSeconds = 60, string Reward = GraderSpec.ExitReward)
{
    public const string ExitReward = "exit";
    public const string StdoutReward = "stdout";

    /// <summary>The reward and a short account of how it was reached.</summary>
    public (double Reward, string Details) Score(int? exitCode, string stdout, bool timedOut)
    {
        if (timedOut) return (0.0, $"the grader timed out after {TimeoutSeconds} s");
        if (Reward == ExitReward) return (exitCode == 0 ? 1.0 : 0.0, $"exit code {exitCode}");
        var last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return double.TryParse(last, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? (value, $"last line of stdout (exit code {exitCode})")
            : (0.0, $"no number on the last line of stdout ('{last}'; exit code {exitCode})");
    }
}
