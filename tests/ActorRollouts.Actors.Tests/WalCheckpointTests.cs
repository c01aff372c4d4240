using ActorRollouts.Actors.Storage;
using Akka.Actor;
using Akka.Persistence;
using Akka.TestKit.Xunit2;
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
}
