using ActorRollouts.Core.Model;

namespace ActorRollouts.Actors.Providers;

/// <summary>Between a session and its provider child.</summary>
public static class ProviderProtocol
{
    /// <summary>Session → provider: answer this request (retrying as configured), starting at <paramref name="Attempt"/>
    /// (journaled by the session before it sends this).</summary>
    public sealed record CallModel(ModelRequest Request, int Attempt = 1);

    /// <summary>Provider → session: a weight update cut this attempt (or held it back unsent); the session journals it and
    /// sends the turn again under its settings now.</summary>
    public sealed record AttemptAborted(int Turn, int Attempt, string Reason);

    /// <summary>Provider → session: a retry attempt is about to go out (the first attempt is journaled by the
    /// session before it sends <see cref="CallModel"/>).</summary>
    public sealed record AttemptStarting(int Turn, int Attempt);

    /// <summary>Provider → session: an attempt failed; <paramref name="WillRetry"/> says whether another follows.</summary>
    public sealed record AttemptFailed(
        int Turn, int Attempt, string ErrorKind, int? HttpStatus, TimeSpan? RetryAfter, bool WillRetry, string Error);

    /// <summary>Provider → session: the model answered.</summary>
    public sealed record ModelAnswered(int Turn, ModelResponse Response);

    /// <summary>Session → provider: the session stopped; abandon the call in flight (no answer, no retry).</summary>
    public sealed record CancelCall
    {
        public static readonly CancelCall Instance = new();
    }
}
