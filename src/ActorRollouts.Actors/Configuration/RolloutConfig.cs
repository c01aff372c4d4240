using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using Microsoft.Data.Sqlite;

namespace ActorRollouts.Actors.Configuration;

/// <summary>Builds the ActorSystem configuration from the files in <c>hocon/</c> (copied next to the binaries),
/// the data dir and an optional user file that overrides everything.</summary>
public static class RolloutConfig
{
    public static string HoconDirectory => Path.Combine(AppContext.BaseDirectory, "hocon");

    /// <summary>Configuration for a fleet whose journal is the SQLite file <c>&lt;dataDir&gt;/journal.db</c>.</summary>
    public static Config ForSqlite(string dataDir, string? userConfigFile = null)
    {
        Directory.CreateDirectory(dataDir);
        var dbPath = Path.Combine(Path.GetFullPath(dataDir), "journal.db");
        EnableWal(dbPath);
        var connection = $"Data Source={dbPath}";
        var overrides = ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.sql.connection-string = "{{Escape(connection)}}"
            akka.persistence.journal.actor-rollouts-sqlite.connection-string = "{{Escape(connection)}}"
            akka.persistence.snapshot-store.sql.connection-string = "{{Escape(connection)}}"
            akka.persistence.snapshot-store.actor-rollouts-sqlite.connection-string = "{{Escape(connection)}}"
            akka.persistence.query.journal.sql.connection-string = "{{Escape(connection)}}"
            """);
        return Compose(overrides, "persistence-sqlite.conf", userConfigFile);
    }

    /// <summary>Configuration for a journal shared through PostgreSQL (Akka.Persistence.Sql with Npgsql). The tables
    /// must exist: <see cref="Storage.PostgresSchema.EnsureAsync"/> creates them.</summary>
    public static Config ForPostgres(JournalUrl url, string? userConfigFile = null)
    {
        var connection = Escape(url.ConnectionString);
        var overrides = ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.sql.connection-string = "{{connection}}"
            akka.persistence.snapshot-store.sql.connection-string = "{{connection}}"
            akka.persistence.query.journal.sql.connection-string = "{{connection}}"
            """);
        return Compose(overrides, "persistence-postgres.conf", userConfigFile);
    }

    /// <summary><paramref name="journal"/> (either journal's configuration) as a cluster member's: the user's file still
    /// wins, then the member's settings and <c>hocon/cluster.conf</c>.</summary>
    public static Config ForClusterMember(Config journal, ClusterMember member, string? userConfigFile)
    {
        var cluster = member.Config();
        if (userConfigFile is not null) cluster = LoadUserFile(userConfigFile).WithFallback(cluster);
        return cluster.WithFallback(journal);
    }

    /// <summary>In order of precedence: the user's file, the connection, the journal's file, actor-rollouts.conf, then
    /// Akka.Persistence.Sql's defaults.</summary>
    private static Config Compose(Config connection, string persistenceFile, string? userConfigFile)
    {
        var config = connection.WithFallback(Load(persistenceFile)).WithFallback(Load("actor-rollouts.conf"));
        if (userConfigFile is not null)
            config = LoadUserFile(userConfigFile).WithFallback(config);
        return config.WithFallback(SqlPersistence.DefaultConfiguration);
    }

    /// <summary>The ActorSystem setup for <paramref name="config"/>: the configuration, and the SQLite journal's
    /// connections opened with <see cref="SqlitePragmas"/> (journal, snapshot store and query side alike).</summary>
    public static ActorSystemSetup Setup(Config config)
    {
        var setup = BootstrapSetup.Create().WithConfig(config);
        var connection = config.GetString("akka.persistence.journal.sql.connection-string", "");
        if (config.GetString("akka.persistence.journal.sql.provider-name", "") != "SQLite.MS" || connection.Length == 0)
            return ActorSystemSetup.Create(setup); // another database: its plugin is configured by HOCON alone
        var options = new DataOptions().UseConnectionString(ProviderName.SQLiteMS, connection).UseInterceptor(SqlitePragmas.From(config));
        var data = new MultiDataOptionsSetup();
        foreach (var plugin in new[] { "akka.persistence.journal.sql", "akka.persistence.snapshot-store.sql", "akka.persistence.query.journal.sql" })
            data.AddDataOptions(plugin, options);
        return setup.And(data);
    }

    internal static Config Load(string fileName)
    {
        var path = Path.Combine(HoconDirectory, fileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Configuration file '{path}' is missing from the installation.", path);
        return ConfigurationFactory.ParseString(File.ReadAllText(path));
    }

    private static Config LoadUserFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file '{path}' does not exist.", path);
        try
        {
            return ConfigurationFactory.ParseString(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is not FileNotFoundException)
        {
            throw new ConfigurationException($"Config file '{path}' is not valid HOCON: {ex.Message}");
        }
    }

    /// <summary>Microsoft.Data.Sqlite has no connection-string keyword for WAL; the mode sticks to the file once set.
    /// WAL lets the CLI's readers (sessions, trace) run while a fleet writes.</summary>
    private static void EnableWal(string dbPath)
    {
        using var connection = new SqliteConnection($"Data Source={dbPath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
