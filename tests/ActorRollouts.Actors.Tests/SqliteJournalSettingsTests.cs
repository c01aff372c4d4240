using ActorRollouts.Actors.Configuration;
using Akka.Configuration;
using Akka.Persistence.Sql.Config;
using LinqToDB.Data;

namespace ActorRollouts.Actors.Tests;

/// <summary>The SQLite journal settings the benchmark chose (README "Performance"): the pragmas reach every connection
/// the plugin opens, and the plugin runs one writer with deferred reads and a queue no fleet fills.</summary>
public class SqliteJournalSettingsTests
{
    [Fact]
    public void Setup_DefaultSettings_JournalConnectionsOpenWithSynchronousNormalAndABusyTimeout()
    {
        var config = RolloutConfig.ForSqlite(TestSystems.NewDataDir());

        using var db = new DataConnection(JournalOptions(config));

        Assert.Equal(1, db.Execute<long>("PRAGMA synchronous")); // 1 = NORMAL
        Assert.Equal(5000, db.Execute<long>("PRAGMA busy_timeout"));
        Assert.Equal("wal", db.Execute<string>("PRAGMA journal_mode"));
    }

    [Fact]
    public void Setup_SynchronousFullInHocon_JournalConnectionsFsyncEveryCommit()
    {
        var config = ConfigurationFactory.ParseString("actor-rollouts.sqlite { synchronous = full, busy-timeout = 2s }")
            .WithFallback(RolloutConfig.ForSqlite(TestSystems.NewDataDir()));

        using var db = new DataConnection(JournalOptions(config));

        Assert.Equal(2, db.Execute<long>("PRAGMA synchronous")); // 2 = FULL
        Assert.Equal(2000, db.Execute<long>("PRAGMA busy_timeout"));
    }

    [Fact]
    public void Setup_UnknownSynchronousMode_IsAConfigurationErrorNamingTheSetting()
    {
        var config = ConfigurationFactory.ParseString("actor-rollouts.sqlite.synchronous = sometimes")
            .WithFallback(RolloutConfig.ForSqlite(TestSystems.NewDataDir()));

        var error = Assert.Throws<ConfigurationException>(() => RolloutConfig.Setup(config));

        Assert.Contains("actor-rollouts.sqlite.synchronous", error.Message);
        Assert.Contains("sometimes", error.Message);
    }

    [Fact]
    public void Config_SqliteJournal_OneWriterDeferredReadsAndAQueueLargerThanAFleetOfThousands()
    {
        var journal = RolloutConfig.ForSqlite(TestSystems.NewDataDir()).GetConfig("akka.persistence.journal.sql");

        Assert.Equal(1, journal.GetInt("parallelism"));
        Assert.Equal("read-uncommitted", journal.GetString("read-isolation-level"));
        Assert.True(journal.GetInt("buffer-size") >= 100_000, "a full write queue drops writes: it must hold one batch per session of a large fleet");
    }

    private static LinqToDB.DataOptions JournalOptions(Config config)
    {
        var setup = RolloutConfig.Setup(config).Get<MultiDataOptionsSetup>();
        Assert.True(setup.HasValue, "the SQLite journal gets its connection options from the setup");
        Assert.True(setup.Value.TryGetDataOptionsFor("akka.persistence.journal.sql", out var options));
        return options!;
    }
}
