using System.Collections.Immutable;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Opens a data dir's journal just long enough to read one fleet's sessions (for stats and export).</summary>
public static class FleetJournal
{
    public static async Task<ImmutableList<SessionState>> ReadSessionsAsync(string dataDirOption, string fleetId, string systemName) =>
        (await ReadAsync(dataDirOption, fleetId, systemName)).Sessions;

    /// <summary>The fleet's own journal and its sessions'.</summary>
    public static async Task<(FleetState Fleet, ImmutableList<SessionState> Sessions)> ReadAsync(string dataDirOption, string fleetId, string systemName)
    {
        var dataDir = JournalFile.RequireDataDir(dataDirOption);
        var system = RolloutHost.Start(dataDir, null, systemName);
        try
        {
            var reader = new JournalReader(system);
            var fleet = await reader.FleetAsync(fleetId);
            if (!fleet.IsPlanned) throw JournalFile.NoFleet(fleetId, dataDir);
            return (fleet, await FleetReport.SessionsAsync(reader, fleetId));
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
