using System.Collections.Immutable;
using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Actors.Fleets;

public static class FleetCommands
{
    /// <summary>Run (or, if the fleet's journal already has it, continue) a fleet. The sender gets
    /// <see cref="FleetNotifications.FleetFinished"/> when every session has ended. <paramref name="PlanKey"/>: the sessions
    /// are in the journal's shared content under this key instead (<c>Cluster.FleetPlans</c>), as a cluster submitter
    /// sends them.</summary>
    public sealed record RunFleet(ImmutableList<SessionSpec> Sessions, int Concurrency, Core.Fleets.FleetSettings? Settings = null, string? PlanKey = null);
}

public static class FleetNotifications
{
    public sealed record FleetFinished(string FleetId, int Total, int Completed, int Failed);

    /// <summary>Published on the EventStream whenever a session starts or ends (and, for a cluster fleet, told to its
    /// submitter). <paramref name="Finished"/>: turns and tokens of the sessions finished so far.</summary>
    public sealed record FleetProgressed(string FleetId, int Total, int Completed, int Failed, int Running, Core.Fleets.FinishedFigures? Finished = null);

    /// <summary>The fleet cannot run (e.g. the command was empty).</summary>
    public sealed record FleetRejected(string FleetId, string Reason);
}
