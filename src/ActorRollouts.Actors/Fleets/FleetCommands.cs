using System.Collections.Immutable;
using ActorRollouts.Core.Tasks;
using Akka.Actor;

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

    /// <summary>Add these sessions to a served fleet's plan (those it has already are left as they are). Answered with
    /// <see cref="FleetNotifications.SessionsAdded"/> once journaled, or <see cref="FleetNotifications.FleetRejected"/>.</summary>
    public sealed record AddSessions(ImmutableList<SessionSpec> Sessions);

    /// <summary>A weight update (served fleets): <paramref name="Mode"/> is drain, abort or keep (<c>Providers.PolicyModes</c>).
    /// Answered with <see cref="FleetNotifications.PolicyUpdated"/> once journaled and in effect in every running session.</summary>
    public sealed record UpdatePolicy(int PolicyVersion, string? BaseUrl, string? Model, string Mode);

    /// <summary>Answered with <see cref="FleetNotifications.FleetStatus"/>.</summary>
    public sealed record GetStatus
    {
        public static readonly GetStatus Instance = new();
    }
}

public static class FleetNotifications
{
    public sealed record FleetFinished(string FleetId, int Total, int Completed, int Failed);

    /// <summary>Published on the EventStream whenever a session starts or ends (and, for a cluster fleet, told to its
    /// submitter). <paramref name="Finished"/>: turns and tokens of the sessions finished so far.</summary>
    public sealed record FleetProgressed(string FleetId, int Total, int Completed, int Failed, int Running, Core.Fleets.FinishedFigures? Finished = null);

    /// <summary>The fleet cannot run (e.g. the command was empty), or cannot do what it was asked
    /// (<paramref name="Conflict"/>: not now, e.g. while another weight update is applied).</summary>
    public sealed record FleetRejected(string FleetId, string Reason, bool Conflict = false);

    /// <summary>Sessions journaled into the plan (<paramref name="Added"/>), and those it already had.</summary>
    public sealed record SessionsAdded(ImmutableList<string> Added, ImmutableList<string> AlreadyPlanned);

    /// <summary>A weight update is journaled and every running session has it: <paramref name="Changes"/> as journaled,
    /// <paramref name="Sessions"/> running sessions told.</summary>
    public sealed record PolicyUpdated(int PolicyVersion, string Mode, ImmutableList<string> Changes, int Sessions);

    /// <summary>The fleet as its supervisor has it now: <paramref name="Running"/> sessions with a live actor;
    /// <paramref name="PolicyGate"/> (served fleets) counts the model requests in flight.</summary>
    public sealed record FleetStatus(Core.Fleets.FleetState State, int Running, IActorRef? PolicyGate, string? Updating);
}
