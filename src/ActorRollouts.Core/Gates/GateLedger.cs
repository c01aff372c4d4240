using System.Collections.Immutable;

namespace ActorRollouts.Core.Gates;

/// <summary>The books of an endpoint gate: requests in flight and the requests and tokens of the current window.
/// Immutable and clock-free: the caller passes the time. Tokens are estimated when a request is admitted and corrected
/// with the usage the API reports when it is released.
/// A request counts against the window from its admission until one window after it is released — not after it was
/// admitted — because the server counts it when it arrives, which is some time after we admit it. Counting from the
/// release keeps the fleet within the limit as the server measures it, at the price of a window slightly longer than
/// the nominal one.</summary>
public sealed record GateLedger(GateLimits Limits)
{
    private sealed record Entry(string Id, DateTimeOffset At, long Tokens);

    private ImmutableList<Entry> Window { get; init; } = [];
    private ImmutableHashSet<string> InFlightIds { get; init; } = [];

    public int InFlight => InFlightIds.Count;

    /// <summary>Whether a request estimated at <paramref name="tokens"/> may go now. A request larger than the whole token
    /// budget still goes when the window is empty, so it cannot wait forever.</summary>
    public bool CanAdmit(DateTimeOffset now, long tokens)
    {
        var window = Current(now);
        if (Limits.MaxConcurrent is { } c && InFlight >= c) return false;
        if (Limits.RequestsPerWindow is { } r && window.Count >= r) return false;
        if (Limits.TokensPerWindow is { } t && window.Count > 0 && window.Sum(e => e.Tokens) + tokens > t) return false;
        return true;
    }

    public GateLedger Admit(string id, DateTimeOffset now, long estimatedTokens) => this with
    {
        Window = Current(now).Add(new Entry(id, now, estimatedTokens)),
        InFlightIds = InFlightIds.Add(id),
    };

    /// <summary>The request is done; it stays in the window until <paramref name="now"/> + window, and its tokens become
    /// what was really used (when known).</summary>
    public GateLedger Release(string id, long? actualTokens, DateTimeOffset now) => this with
    {
        InFlightIds = InFlightIds.Remove(id),
        Window = Window.Select(e => e.Id == id ? e with { At = now, Tokens = actualTokens ?? e.Tokens } : e).ToImmutableList(),
    };

    /// <summary>When the next released request leaves the window (and room may appear); null when none will by itself.</summary>
    public DateTimeOffset? NextExpiry(DateTimeOffset now) =>
        Current(now).Where(e => !InFlightIds.Contains(e.Id)).Select(e => (DateTimeOffset?)(e.At + Limits.Window)).Min();

    private ImmutableList<Entry> Current(DateTimeOffset now) =>
        Window.RemoveAll(e => !InFlightIds.Contains(e.Id) && e.At + Limits.Window <= now);
}
