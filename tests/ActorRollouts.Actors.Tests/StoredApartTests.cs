using System.Collections.Immutable;
using ActorRollouts.Actors.Storage;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit2;
using Microsoft.Data.Sqlite;
using static ActorRollouts.Core.Fleets.FleetEvents;

namespace ActorRollouts.Actors.Tests;

/// <summary>Our SQLite journal keeps a large payload out of its row (<see cref="StoredApart"/>): the row stays small,
/// the content is stored once however many rows hold it, and every reader gets the event back, Persistence Query too.</summary>
public class StoredApartTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly string DataDir = TestSystems.NewDataDir();
    private readonly string _db = Path.Combine(DataDir, "journal.db");

    public StoredApartTests() : base(TestSystems.Config(DataDir)) { }

    [Fact]
    public async Task LargePayload_RowHoldsAReference_ContentStoredOnce_EveryReaderGetsTheEvent()
    {
        var large = new FleetSessionLaunched(string.Concat(Enumerable.Range(0, 100_000).Select(i => $"line {i}: \"é\"\n")), DateTimeOffset.UnixEpoch);
        var journal = Persistence.Instance.Apply(Sys).JournalFor(null);
        var writes = Enumerable.Range(1, 2).Select(seq => (IPersistentEnvelope)new AtomicWrite(
            new Persistent(large, seq, "apart", "", false, TestActor, "w"))).ToList();
        journal.Tell(new WriteMessages(writes, TestActor, 1));
        ExpectMsg<WriteMessagesSuccessful>(Patience);
        ExpectMsg<WriteMessageSuccess>(Patience);
        ExpectMsg<WriteMessageSuccess>(Patience);

        using (var connection = new SqliteConnection($"Data Source={_db}"))
        {
            connection.Open();
            using var rows = connection.CreateCommand();
            rows.CommandText = "SELECT manifest, length(message) FROM journal WHERE persistence_id = 'apart'";
            using (var reader = rows.ExecuteReader())
                while (reader.Read())
                {
                    Assert.Equal(StoredApart.Manifest, reader.GetString(0));
                    Assert.InRange(reader.GetInt64(1), 1, 300);
                }
            using var content = connection.CreateCommand();
            content.CommandText = "SELECT count(*), sum(length(bytes)) FROM journal_content";
            using var sums = content.ExecuteReader();
            sums.Read();
            Assert.Equal(1, sums.GetInt64(0));
            Assert.True(sums.GetInt64(1) > 1_000_000);
        }

        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "apart", TestActor));
        Assert.Equal(large, ExpectMsg<ReplayedMessage>(Patience).Persistent.Payload);
        Assert.Equal(large, ExpectMsg<ReplayedMessage>(Patience).Persistent.Payload);
        ExpectMsg<RecoverySuccess>(Patience);

        var query = PersistenceQuery.Get(Sys).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var viaQuery = await query.CurrentEventsByPersistenceId("apart", 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), Sys.Materializer());
        Assert.Equal([large, large], viaQuery.Select(e => e.Event));
    }
}
