using ActorRollouts.Actors.Storage;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using static ActorRollouts.Core.Fleets.FleetEvents;

namespace ActorRollouts.Actors.Tests;

/// <summary>Our SQLite journal's writer never checkpoints inside its commits (<see cref="WalCheckpointer"/>): a thread of
/// its own moves the committed pages into the database file while the journal is still open. Without it, with the
/// writer's automatic checkpoint off, the file would stay at its first few pages until the last connection closed.</summary>
public class WalCheckpointTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly string DataDir = TestSystems.NewDataDir();

    public WalCheckpointTests() : base(TestSystems.Config(DataDir)) { }

    [Fact]
    public void CommittedPages_ReachTheDatabaseFile_WhileTheJournalIsOpen()
    {
        var db = new FileInfo(Path.Combine(DataDir, "journal.db"));
        var journal = Persistence.Instance.Apply(Sys).JournalFor(null);
        var text = new string('x', 20_000); // under the size stored apart: these stay in their rows
        const int Events = 200;
        for (var seq = 1; seq <= Events; seq++)
        {
            journal.Tell(new WriteMessages([new AtomicWrite(new Persistent(new FleetSessionLaunched(text, DateTimeOffset.UnixEpoch), seq, "wal", "", false, TestActor, "w"))], TestActor, 1));
            ExpectMsg<WriteMessagesSuccessful>(Patience);
            ExpectMsg<WriteMessageSuccess>(Patience);
        }

        AwaitAssert(() =>
        {
            db.Refresh();
            Assert.True(db.Length >= Events * text.Length, $"journal.db holds {db.Length:N0} bytes, not yet the {Events * text.Length:N0} committed");
        }, Patience, TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Past its limit, the log is copied and emptied while the journal is open: it does not grow with the journal
    /// when a checkpoint beside a busy writer cannot catch up. (A limit of no pages makes every checkpoint empty it; with
    /// PASSIVE checkpoints alone the log file keeps its largest size.)</summary>
    [Fact]
    public void PastItsLimit_TheLogIsEmptied()
    {
        var db = Path.Combine(DataDir, "checkpointer.db");
        var connectionString = $"Data Source={db}";
        SqliteConnection Open()
        {
            var connection = new SqliteConnection(connectionString);
            connection.Open();
            return connection;
        }
        using var writer = Open();
        Run(writer, "PRAGMA journal_mode = WAL; " + WalCheckpointer.WriterPragma + " CREATE TABLE rows (bytes BLOB);");
        using var checkpointer = new WalCheckpointer(Open, restartAbovePages: 0);
        using (var insert = writer.CreateCommand())
        {
            insert.CommandText = "INSERT INTO rows VALUES (zeroblob(4000000))";
            insert.ExecuteNonQuery();
        }
        var log = new FileInfo(db + "-wal");
        log.Refresh();
        Assert.True(log.Length > 4_000_000, "the insert went to the log");

        checkpointer.Committed();

        AwaitAssert(() =>
        {
            log.Refresh();
            Assert.Equal(0, log.Length);
        }, Patience, TimeSpan.FromMilliseconds(50));
        Assert.True(new FileInfo(db).Length > 4_000_000, "the rows reached the database file");
    }

    private static void Run(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
