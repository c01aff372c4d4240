using System.Collections.Immutable;
using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Actors.Fleets;

public static class FleetCommands
{
    /// <summary>Run (or, if the fleet's journal already has it, continue) a fleet. The sender gets
    /// <see cref="FleetNotifications.FleetFinished"/> when every session has ended. <paramref name="PlanKey"/>: the sessions
    /// are in the journal's shared content under this key instead (<c>Cluster.FleetPlans</c>), as a cluster submitter
    /// sends them.</summary>
    /// <paramref name="Open"/>: a served fleet, which takes <see cref="AddSessions"/> and weight updates and never finishes.
    public sealed record RunFleet(ImmutableList<SessionSpec> Sessions, int Concurrency, Core.Fleets.FleetSettings? Settings = null, string? PlanKey = null,
        bool Open = false);

    /// <summary>Add these sessions to a served fleet's plan; the sessions of a task it has already are left out (adding is
    /// idempotent by task id). Answered with <see cref="FleetNotifications.SessionsAdded"/> once journaled, or
    /// <see cref="FleetNotifications.FleetRejected"/> (<c>full</c> while more sessions wait than <c>max_queued</c>).</summary>
    /// <paramref name="PlanKey"/>: the sessions are in the journal's shared content under this key instead (a cluster's
    /// messages are too small for a large batch), as <see cref="RunFleet"/>'s.
    public sealed record AddSessions(ImmutableList<SessionSpec> Sessions, string? PlanKey = null);

    /// <summary>A weight update (served fleets): <paramref name="Mode"/> is drain, abort or keep (<c>Providers.PolicyModes</c>).
    /// Answered with <see cref="FleetNotifications.PolicyUpdated"/> once journaled and in effect in every running session.</summary>
    public sealed record UpdatePolicy(int PolicyVersion, string? BaseUrl, string? Model, string Mode);

    /// <summary>Answered with <see cref="FleetNotifications.FleetStatus"/>.</summary>
    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }

    /// <summary>Does the fleet have this session, and has it ended? Answered with <see cref="FleetNotifications.SessionKnown"/>.</summary>
    public sealed record FindSession(string SessionId);
}

public static class FleetNotifications
{
    public sealed record FleetFinished(string FleetId, int Total, int Completed, int Failed);

    /// <summary>Published on the EventStream whenever a session starts or ends (and, for a cluster fleet, told to its
    /// submitter). <paramref name="Finished"/>: turns and tokens of the sessions finished so far.</summary>
    public sealed record FleetProgressed(string FleetId, int Total, int Completed, int Failed, int Running, Core.Fleets.FinishedFigures? Finished = null);

    /// <summary>The fleet cannot run (e.g. the command was empty), or cannot do what it was asked
    /// (<paramref name="Conflict"/>: not now, e.g. while another weight update is applied).</summary>
    public sealed record FleetRejected(string FleetId, string Reason, bool Conflict = false, bool Full = false);

    /// <summary>Sessions journaled into the plan (<paramref name="Added"/>), and the tasks it already had.</summary>
    public sealed record SessionsAdded(ImmutableList<string> Added, ImmutableList<string> AlreadyPlannedTasks);

    public sealed record SessionKnown(string SessionId, bool Known, bool Finished);

    /// <summary>A weight update is journaled and every running session has it: <paramref name="Changes"/> as journaled,
    /// <paramref name="Sessions"/> running sessions told.</summary>
    public sealed record PolicyUpdated(int PolicyVersion, string Mode, ImmutableList<string> Changes, int Sessions);

    /// <summary>The fleet as its supervisor has it now (<paramref name="Running"/>: sessions with a live actor), small enough
    /// to cross a cluster. The model requests in flight are the policy gate's to count (<c>PolicyGate.CountInFlight</c>, which
    /// the supervisor forwards to it).</summary>
    public sealed record FleetStatus(
        string FleetId, bool Open, int Sessions, int Queued, int Running, int Finished, int Failed, int Concurrency,
        Core.Fleets.FleetSettings? Settings, ImmutableList<string> SettingsChanges, DateTimeOffset? StartedAt, string? Updating);
}
