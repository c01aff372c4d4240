using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Trajectories;

namespace ActorRollouts.Actors.Sessions;

/// <summary>Messages addressed to one session. Every command carries its session id, so a message extractor can
/// route it (moving sessions to Akka.Cluster.Sharding later is configuration, not a rewrite).</summary>
public interface IWithSessionId
{
    string SessionId { get; }
}

public static class SessionCommands
{
    /// <summary>Stop the session now with <c>stop_reason: "cancelled"</c>; <paramref name="Reason"/> is journaled.</summary>
    public sealed record CancelSession(string SessionId, string Reason) : IWithSessionId;

    /// <summary>A weight update: go on as <paramref name="Spec"/> (the fleet's new settings) says. Answered with
    /// <see cref="SessionNotifications.SpecApplied"/> once journaled.</summary>
    public sealed record UpdateSpec(SessionSpec Spec) : IWithSessionId
    {
        public string SessionId => Spec.SessionId;
    }

    /// <summary>Start the session, or continue it if its journal says it already began.</summary>
    public sealed record StartSession(SessionSpec Spec) : IWithSessionId
    {
        public string SessionId => Spec.SessionId;
    }
}

/// <summary>What a session tells its parent and the EventStream.</summary>
public static class SessionNotifications
{
    /// <summary>The session journaled the settings of an <see cref="SessionCommands.UpdateSpec"/> (or had nothing to change).</summary>
    public sealed record SpecApplied(string SessionId) : IWithSessionId;

    /// <summary>Sent to the parent once the session's end is journaled.</summary>
    public sealed record SessionEnded(
        string SessionId, string Status, string? StopReason, string? Error, SessionFigures Figures, Trajectory? Trajectory) : IWithSessionId;

    /// <summary>Sent to the parent when a journal write failed or was rejected; the session then stops, and the parent
    /// decides whether to relaunch it from its journal.</summary>
    public sealed record SessionJournalFailed(string SessionId, string Reason) : IWithSessionId;

    /// <summary>Sent by a session's cluster host when the session's actor stopped without ending (it crashed too often):
    /// the fleet relaunches it or records it as failed, as it does for a local session that terminated.</summary>
    public sealed record SessionStopped(string SessionId, string Reason) : IWithSessionId;

    /// <summary>Published on the EventStream after every model response, for progress displays.</summary>
    public sealed record SessionProgressed(string SessionId, int Turns, Usage TurnUsage) : IWithSessionId;

    /// <summary>Published when a session that records tokens got an answer without token ids (journaled as
    /// <c>"unavailable"</c>), so <c>run</c> can say which endpoint gives none.</summary>
    public sealed record TokensUnavailable(string SessionId, string BaseUrl, string Model) : IWithSessionId;

    /// <summary>A piece of a streamed model answer, published on the EventStream for live watchers (not journaled).</summary>
    public sealed record SessionDelta(string SessionId, int Turn, ModelDelta Delta) : IWithSessionId;
}
