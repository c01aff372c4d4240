namespace ActorRollouts.Core.Gates;

/// <summary>Limits of one endpoint, shared by every session of a fleet. Null means unlimited. Requests and tokens are
/// counted over a sliding <see cref="Window"/> (a minute by default: requests and tokens per minute).</summary>
public sealed record GateLimits(int? MaxConcurrent, int? RequestsPerWindow, long? TokensPerWindow, TimeSpan Window)
{
    public static GateLimits FromPerMinute(int? maxConcurrent, int? requestsPerMinute, long? tokensPerMinute, TimeSpan window)
    {
        var scale = window.TotalSeconds / 60.0;
        return new GateLimits(
            maxConcurrent is > 0 ? maxConcurrent : null,
            requestsPerMinute is > 0 ? Math.Max(1, (int)Math.Floor(requestsPerMinute.Value * scale)) : null,
            tokensPerMinute is > 0 ? Math.Max(1, (long)Math.Floor(tokensPerMinute.Value * scale)) : null,
            window);
    }

    public bool IsUnlimited => MaxConcurrent is null && RequestsPerWindow is null && TokensPerWindow is null;
}
