namespace ActorRollouts.Cli.Hosting;

/// <summary>Readers must not create an empty journal where the user mistyped a path: they check it exists first.</summary>
public static class JournalFile
{
    public static string PathIn(string dataDir) => Path.Combine(dataDir, "journal.db");

    /// <summary>A fleet id the journal does not know: mistyped, or its run was stopped before it journaled its plan.</summary>
    public static UsageException NoFleet(string fleetId, string dataDir) =>
        new($"no fleet '{fleetId}' in {PathIn(dataDir)}: it was never started here, or its run stopped before it journaled " +
            "its plan (run it again with the same --fleet-id). 'actor-rollouts sessions' lists the fleets there are.");

    public static string RequireDataDir(string dataDir)
    {
        var full = Path.GetFullPath(dataDir);
        if (!File.Exists(PathIn(full)))
            throw new UsageException($"no journal at {PathIn(full)} (run a fleet first, or pass --data-dir).");
        return full;
    }
}
