namespace ActorRollouts.Core.Retry;

/// <summary>How long to wait before the next attempt of a failed model call.</summary>
public static class Backoff
{
    /// <summary>Extra wait on top of the server's Retry-After, at most this share of it: a fleet whose calls were all
    /// refused at once is told one delay, and would otherwise come back all at once.</summary>
    public const double RetryAfterSpread = 0.25;

    /// <summary>The server's Retry-After wins when it gave one (the caller caps it), stretched by
    /// <paramref name="jitter"/> into [100%, 125%] of it: never sooner than asked, never all at once. Otherwise
    /// exponential backoff <c>initial·2^(attempt-1)</c>, capped at <paramref name="max"/>, scaled by
    /// <paramref name="jitter"/> (a number in [0,1), drawn by the caller) into [50%, 100%] so a fleet's retries don't
    /// arrive in lockstep.</summary>
    public static TimeSpan Delay(int failedAttempt, TimeSpan? retryAfter, TimeSpan initial, TimeSpan max, double jitter)
    {
        if (retryAfter is { } serverSays && serverSays >= TimeSpan.Zero)
            return serverSays * (1 + RetryAfterSpread * Math.Clamp(jitter, 0, 1));
        var exponent = Math.Clamp(failedAttempt - 1, 0, 30);
        var raw = Math.Min(initial.TotalMilliseconds * Math.Pow(2, exponent), max.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(raw * (0.5 + 0.5 * Math.Clamp(jitter, 0, 1)));
    }
}
