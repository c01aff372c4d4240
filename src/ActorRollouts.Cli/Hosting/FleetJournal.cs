using System.Collections.Immutable;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Opens a journal just long enough to read one fleet's sessions (for stats and export).</summary>
public static class FleetJournal
{
    public static async Task<ImmutableList<SessionState>> ReadSessionsAsync(JournalLocation journal, string fleetId, string systemName) =>
        (await ReadAsync(journal, fleetId, systemName)).Sessions;

    /// <summary>The fleet's own journal and its sessions'.</summary>
    public static async Task<(FleetState Fleet, ImmutableList<SessionState> Sessions)> ReadAsync(JournalLocation journal, string fleetId, string systemName)
    {
        journal.RequireExisting();
        var system = RolloutHost.Start(journal, null, systemName);
        try
        {
            var reader = new JournalReader(system);
            var fleet = await reader.FleetAsync(fleetId);
            if (!fleet.IsPlanned) throw journal.NoFleet(fleetId);
            return (fleet, await FleetReport.SessionsAsync(reader, fleetId));
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
