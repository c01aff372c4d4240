using System.Collections.Immutable;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Trajectories;

namespace ActorRollouts.Actors.Trace;

/// <summary>The rows of <c>sessions</c> and the run summary (finished sessions from the fleet's journal, the others from
/// their own), and every session's state for <c>stats</c> and <c>export</c>.</summary>
public static class FleetReport
{
    public static async Task<ImmutableList<SessionRow>> RowsAsync(JournalReader reader, string fleetId, bool runActive)
    {
        var fleet = await reader.FleetAsync(fleetId);
        var rows = ImmutableList.CreateBuilder<SessionRow>();
        foreach (var spec in fleet.Sessions)
            rows.Add(fleet.Finished.TryGetValue(spec.SessionId, out var finished) && finished.Figures is { } figures
                ? SessionRow.From(spec, fleet, finished, figures)
                : SessionRow.From(spec, fleet, await reader.SessionAsync(spec.SessionId), runActive));
        return rows.ToImmutable();
    }

    /// <summary>Every session of the fleet as its journal folds, in plan order (never-started ones are empty states).</summary>
    public static async Task<ImmutableList<SessionState>> SessionsAsync(JournalReader reader, string fleetId)
    {
        var fleet = await reader.FleetAsync(fleetId);
        var sessions = ImmutableList.CreateBuilder<SessionState>();
        foreach (var spec in fleet.Sessions) sessions.Add(await reader.SessionAsync(spec.SessionId));
        return sessions.ToImmutable();
    }

    /// <summary>The trajectory of every finished session of the fleet, in plan order.</summary>
    public static async Task<ImmutableList<Trajectory>> TrajectoriesAsync(JournalReader reader, string fleetId)
    {
        var fleet = await reader.FleetAsync(fleetId);
        var trajectories = ImmutableList.CreateBuilder<Trajectory>();
        foreach (var spec in fleet.Sessions)
        {
            var state = await reader.SessionAsync(spec.SessionId);
            if (state.IsFinished && Trajectory.From(state) is { } trajectory) trajectories.Add(trajectory);
        }
        return trajectories.ToImmutable();
    }
}
