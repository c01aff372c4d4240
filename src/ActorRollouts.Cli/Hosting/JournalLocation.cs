using System.CommandLine;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Storage;
using ActorRollouts.Environments.Workspaces;
using Akka.Configuration;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Where a command's journal is: the SQLite file in the data dir (the default), or a PostgreSQL database
/// given by <c>--journal-url</c>. The data dir holds logs, workspaces and fleet files either way.</summary>
public sealed record JournalLocation(string DataDir, JournalUrl? Url)
{
    public const string SqliteFileName = "journal.db";

    public string SqlitePath => Path.Combine(DataDir, SqliteFileName);

    /// <summary>For messages: the SQLite file's path or the URL without its password.</summary>
    public string Display => Url?.Display ?? SqlitePath;

    /// <summary>The location the command line names; a malformed URL is a usage error.</summary>
    public static JournalLocation From(ParseResult parse, Option<string> dataDir, Option<string?> journalUrl)
    {
        var url = parse.GetValue(journalUrl);
        try
        {
            return new JournalLocation(Path.GetFullPath(parse.GetValue(dataDir)!), url is null ? null : JournalUrl.Parse(url));
        }
        catch (FormatException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    public Config Config(string? userConfigFile) =>
        Url is null ? RolloutConfig.ForSqlite(DataDir, userConfigFile) : RolloutConfig.ForPostgres(Url, userConfigFile);

    /// <summary>Templates and large file contents in the journal's database, for workspaces on any machine; null for
    /// SQLite (the data dir's own templates/ and blobs/ are the only copies).</summary>
    public ISharedContent? SharedContent => Url is null ? null : new PostgresSharedContent(Url.ConnectionString);

    /// <summary>Before a fleet writes: PostgreSQL's tables are created if missing (SQLite's file creates itself).</summary>
    public void PrepareForWriting()
    {
        if (Url is null) return;
        Reach(() => PostgresSchema.Ensure(Url.ConnectionString));
    }

    /// <summary>Readers must not create an empty journal where the user mistyped a path or URL: it must exist.</summary>
    public JournalLocation RequireExisting()
    {
        if (Url is null && !File.Exists(SqlitePath))
            throw new UsageException($"no journal at {SqlitePath} (run a fleet first, or pass --data-dir).");
        if (Url is not null && !Reach(() => PostgresSchema.Exists(Url.ConnectionString)))
            throw new UsageException($"no journal at {Url} (its tables do not exist: run a fleet with this --journal-url first).");
        return this;
    }

    /// <summary>The shared journal's lock of the fleet (null for SQLite, whose file lock is the only one).</summary>
    public SharedFleetLock? AcquireSharedLock(string fleetId)
    {
        if (Url is null) return null;
        try
        {
            return Reach(() => SharedFleetLock.Acquire(Url, fleetId));
        }
        catch (FleetLockedException locked)
        {
            throw new UsageException($"{locked.Message} (journal {Url}). Wait for it to end, or stop it and resume: one process runs a fleet at a time" +
                                     (locked.Holder.Contains("actor-rollouts node") ? "; a cluster fleet is resumed with --seeds." : "."));
        }
    }

    /// <summary>True while a live process runs the fleet: one on this data dir, or, with a shared journal, anywhere.</summary>
    public bool RunIsActive(string fleetId) =>
        new FleetPaths(DataDir, fleetId).RunIsActive() || (Url is not null && Reach(() => SharedFleetLock.IsHeld(Url, fleetId)));

    /// <summary>A fleet id the journal does not know: mistyped, or its run was stopped before it journaled its plan.</summary>
    public UsageException NoFleet(string fleetId) =>
        new($"no fleet '{fleetId}' in {Display}: it was never started here, or its run stopped before it journaled " +
            "its plan (run it again with the same --fleet-id). 'actor-rollouts sessions' lists the fleets there are.");

    public UsageException NoSession(string sessionId) => new($"no session '{sessionId}' in {Display}.");

    /// <summary>A server that cannot be reached (down, wrong port, refused login) is the user's to fix: one clear line.</summary>
    private T Reach<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (Npgsql.NpgsqlException ex)
        {
            throw new UsageException($"cannot use the journal at {Url}: {ex.Message}");
        }
    }

    private void Reach(Action work) => Reach(() =>
    {
        work();
        return true;
    });
}
