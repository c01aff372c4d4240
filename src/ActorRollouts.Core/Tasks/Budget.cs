using System.Globalization;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Tasks;

/// <summary>What a session may spend before it stops with <c>stop_reason: "budget"</c>: tokens (input + output, as the
/// API reports them), dollars (by the price table) and seconds of running time (time the session was interrupted
/// between a kill and its resume does not count). Any of them may be left out.</summary>
public sealed record Budget(long? Tokens = null, decimal? CostUsd = null, double? Seconds = null)
{
    public bool IsEmpty => Tokens is null && CostUsd is null && Seconds is null;

    /// <summary>This budget with <paramref name="defaults"/> filling what it leaves out (a task's own budget over the
    /// fleet's); null when neither says anything.</summary>
    public static Budget? Merge(Budget? own, Budget? defaults)
    {
        var merged = new Budget(own?.Tokens ?? defaults?.Tokens, own?.CostUsd ?? defaults?.CostUsd, own?.Seconds ?? defaults?.Seconds);
        return merged.IsEmpty ? null : merged;
    }

    /// <summary>Which part of the budget is used up, in words, or null while there is some left.</summary>
    public string? Exhausted(Usage usage, decimal costUsd, TimeSpan running)
    {
        var tokens = usage.InputTokens + usage.OutputTokens;
        if (Tokens is { } maxTokens && tokens >= maxTokens)
            return $"token budget of {maxTokens.ToString("N0", CultureInfo.InvariantCulture)} reached ({tokens.ToString("N0", CultureInfo.InvariantCulture)} used)";
        if (CostUsd is { } maxCost && costUsd >= maxCost)
            return $"cost budget of ${maxCost.ToString(CultureInfo.InvariantCulture)} reached (${costUsd.ToString("0.######", CultureInfo.InvariantCulture)} spent)";
        if (Seconds is { } maxSeconds && running.TotalSeconds >= maxSeconds)
            return $"time budget of {maxSeconds.ToString(CultureInfo.InvariantCulture)} s reached ({running.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s running)";
        return null;
    }

    /// <summary>How much running time is left, or null without a time budget.</summary>
    public TimeSpan? TimeLeft(TimeSpan running) =>
        Seconds is { } maxSeconds ? TimeSpan.FromSeconds(Math.Max(0, maxSeconds - running.TotalSeconds)) : null;
}
