using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Storage;
using Npgsql;

namespace ActorRollouts.Actors.Tests;

/// <summary>The shared journal's set-up: its URL, and tables created once however many processes start together.</summary>
public class PostgresJournalTests
{
    [Fact]
    public async Task Schema_CreatedByManyProcessesAtOnce_IsCreatedOnceWithoutAnError()
    {
        var url = JournalUrl.Parse(PostgresServer.Instance.NewDatabaseUrl());
        Assert.False(PostgresSchema.Exists(url.ConnectionString));

        // Eight "nodes" starting at the same moment. Without the advisory lock, concurrent CREATE TABLE IF NOT EXISTS
        // statements collide in PostgreSQL's catalog (duplicate key in pg_type) and some of them fail.
        using var go = new Barrier(8);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            go.SignalAndWait();
            PostgresSchema.Ensure(url.ConnectionString);
        })));

        Assert.True(PostgresSchema.Exists(url.ConnectionString));
        await using var connection = new NpgsqlConnection(url.ConnectionString);
        await connection.OpenAsync();
        await using var tables = new NpgsqlCommand(
            "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'", connection);
        Assert.Equal("content,journal,snapshot,tags", await tables.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("postgresql://ann@db.example:6543/rollouts", "Host=db.example;Port=6543;Database=rollouts;Username=ann")]
    [InlineData("postgres://ann@db.example/rollouts?sslmode=require", "Host=db.example;Port=5432;Database=rollouts;Username=ann;SSL Mode=Require")]
    [InlineData("postgresql://ann%40corp@10.0.0.5:5499/my%20db", "Host=10.0.0.5;Port=5499;Database=\"my db\";Username=ann@corp")]
    public void Url_BecomesTheNpgsqlConnectionString(string url, string expected) =>
        Assert.Equal(new NpgsqlConnectionStringBuilder(expected).ConnectionString, JournalUrl.Parse(url).ConnectionString);

    [Fact]
    public void Url_WithAPassword_KeepsItForTheConnectionButNeverShowsIt()
    {
        var url = JournalUrl.Parse("postgresql://ann:hunter2@db.example:6543/rollouts");

        Assert.Equal("hunter2", new NpgsqlConnectionStringBuilder(url.ConnectionString).Password);
        Assert.Equal("postgresql://ann:***@db.example:6543/rollouts", url.Display);
        Assert.DoesNotContain("hunter2", url.ToString());
    }

    [Theory]
    [InlineData("mysql://ann@db/rollouts", "must look like postgresql://")]
    [InlineData("db.example:5432/rollouts", "must look like postgresql://")]
    [InlineData("postgresql://ann@db.example:5432/", "needs a host and one database name")]
    [InlineData("postgresql://ann@db.example/a/b", "needs a host and one database name")]
    [InlineData("postgresql://ann@db.example/r?nosuchsetting=1", "'nosuchsetting=1' is not a connection setting")]
    [InlineData("postgresql://ann:hunter2@db.example/r?sslmode", "has no value")]
    public void Url_Malformed_IsRefusedWithWhatIsWrong_AndNoPassword(string url, string expected)
    {
        var error = Assert.Throws<FormatException>(() => JournalUrl.Parse(url));

        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }
}
