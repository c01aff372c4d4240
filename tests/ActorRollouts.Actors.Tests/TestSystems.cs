using ActorRollouts.Actors.Configuration;
using Akka.Configuration;

namespace ActorRollouts.Actors.Tests;

/// <summary>Real configurations for tests: the shipped HOCON and a real SQLite journal in a fresh temp folder.</summary>
internal static class TestSystems
{
    public static string NewDataDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ar-tests", Guid.NewGuid().ToString("n")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Fast retries so failure tests finish quickly; everything else as shipped.</summary>
    public static Config Config(string? dataDir = null, string extra = "") =>
        TestSettings(extra).WithFallback(RolloutConfig.ForSqlite(dataDir ?? NewDataDir()));

    /// <summary>The shipped PostgreSQL configuration on a new database of the test server, its tables created.</summary>
    public static Config PostgresConfig(string extra = "")
    {
        var url = JournalUrl.Parse(PostgresServer.Instance.NewDatabaseUrl());
        Actors.Storage.PostgresSchema.Ensure(url.ConnectionString);
        return TestSettings(extra).WithFallback(RolloutConfig.ForPostgres(url));
    }

    private static Config TestSettings(string extra) =>
        ConfigurationFactory.ParseString($$"""
            actor-rollouts.provider { max-attempts = 2, initial-backoff = 50ms, max-backoff = 200ms, request-timeout = 20s }
            akka.loglevel = INFO
            {{extra}}
            """);
}
