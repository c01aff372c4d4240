namespace ActorRollouts.Cli.Hosting;

/// <summary>Readers must not create an empty journal where the user mistyped a path: they check it exists first.</summary>
public static class JournalFile
{
    public static string PathIn(string dataDir) => Path.Combine(dataDir, "journal.db");

    public static string RequireDataDir(string dataDir)
    {
        var full = Path.GetFullPath(dataDir);
        if (!File.Exists(PathIn(full)))
            throw new UsageException($"no journal at {PathIn(full)} (run a fleet first, or pass --data-dir).");
        return full;
    }
}
