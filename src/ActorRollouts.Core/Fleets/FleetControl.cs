using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Core.Fleets;

/// <summary>Requests to a fleet from outside the process that runs it (<c>cancel SESSION_ID</c>), journaled under a
/// persistence id of their own so that the writer never competes with the fleet's supervisor for sequence numbers. The
/// process running the fleet follows this journal live; one that resumes the fleet later reads what is there.</summary>
public static class FleetControl
{
    public static string PersistenceId(string fleetId) => $"fleet-control:{fleetId}";

    /// <summary>Someone asked to stop this session with <c>stop_reason: "cancelled"</c>.</summary>
    public sealed record SessionCancelRequested(string SessionId, string Reason, DateTimeOffset Timestamp) : IRolloutEvent;
}
