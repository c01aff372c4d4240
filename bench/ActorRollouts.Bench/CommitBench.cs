using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace ActorRollouts.Bench;

/// <summary>What one small SQLite transaction costs in WAL mode with <c>synchronous = FULL</c> (an fsync per commit)
/// and <c>NORMAL</c> (the journal's setting): the figure behind <c>actor-rollouts.sqlite.synchronous</c>.</summary>
public static class CommitBench
{
    public static int Run(int commits = 500)
    {
        Console.WriteLine("| synchronous | ms per commit (WAL, one 400-byte row) |\n|---|---:|");
        foreach (var mode in new[] { "FULL", "NORMAL" })
        {
            var dir = Path.Combine(Path.GetTempPath(), "ar-bench", "commit-" + Guid.NewGuid().ToString("n")[..8]);
            Directory.CreateDirectory(dir);
            using (var connection = new SqliteConnection($"Data Source={Path.Combine(dir, "c.db")};Pooling=False"))
            {
                connection.Open();
                Execute(connection, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={mode}; CREATE TABLE t(x BLOB);");
                var clock = Stopwatch.StartNew();
                for (var i = 0; i < commits; i++)
                {
                    using var transaction = connection.BeginTransaction();
                    Execute(connection, "INSERT INTO t VALUES (randomblob(400))", transaction);
                    transaction.Commit();
                }
                Console.WriteLine($"| {mode} | {clock.Elapsed.TotalMilliseconds / commits:0.000} |");
            }
            Directory.Delete(dir, recursive: true);
        }
        return 0;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }
}
