using System.CommandLine;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Options several commands share, defined once so they read the same everywhere.</summary>
public static class CommonOptions
{
    public const string DefaultDataDir = ".actor-rollouts";

    public static Option<string> DataDir() => new("--data-dir")
    {
        Description = "Folder holding journal.db (SQLite, WAL), workspaces/, logs/ and fleets/.",
        DefaultValueFactory = _ => DefaultDataDir,
    };

    public static Option<string?> JournalUrl() => new("--journal-url")
    {
        Description = "A shared PostgreSQL journal, postgresql://user@host:port/database, instead of <data-dir>/journal.db. " +
            "Keep the password out of it: PGPASSWORD or ~/.pgpass.",
    };

    public static Option<string?> Config() => new("--config")
    {
        Description = "A HOCON file whose settings override hocon/*.conf.",
    };

    public static Option<string> Host() => new("--host")
    {
        Description = "The address other cluster members reach this one at.",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    /// <summary>This process as a cluster member; a malformed <c>--seeds</c> is a usage error.</summary>
    public static Actors.Configuration.ClusterMember Member(string host, int port, string seeds, bool hostsSessions)
    {
        try
        {
            return new Actors.Configuration.ClusterMember(host, port, Actors.Configuration.ClusterMember.ParseSeeds(seeds), hostsSessions);
        }
        catch (FormatException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    public static FakeLlm.FakeScript LoadScript(string path)
    {
        try
        {
            return FakeLlm.FakeScript.Load(path);
        }
        catch (FakeLlm.FakeScriptException ex)
        {
            throw new UsageException(ex.Message);
        }
    }
}
