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

/// <summary>Our SQLite journal keeps a large payload out of its row (<see cref="StoredApart"/>): the row stays small and
/// holds a reference, the payload sits in pieces of its own, and every reader gets the event back, Persistence Query too.
/// Rows stored apart by an earlier version (whole, under their SHA-256) are still read.</summary>
public class StoredApartTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly string DataDir = TestSystems.NewDataDir();
    private readonly string _db = Path.Combine(DataDir, "journal.db");

    public StoredApartTests() : base(TestSystems.Config(DataDir)) { }

    /// <summary>Over two pieces' worth, so there is a full piece and a shorter last one.</summary>
    private static readonly FleetSessionLaunched Large =
        new(string.Concat(Enumerable.Range(0, 130_000).Select(i => $"line {i}: \"é\"\n")), DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task LargePayload_RowHoldsAReference_PayloadInPieces_EveryReaderGetsTheEvent()
    {
        var journal = Persistence.Instance.Apply(Sys).JournalFor(null);
        var writes = Enumerable.Range(1, 2).Select(seq => (IPersistentEnvelope)new AtomicWrite(
            new Persistent(Large, seq, "apart", "", false, TestActor, "w"))).ToList();
        journal.Tell(new WriteMessages(writes, TestActor, 1));
        ExpectMsg<WriteMessagesSuccessful>(Patience);
        ExpectMsg<WriteMessageSuccess>(Patience);
        ExpectMsg<WriteMessageSuccess>(Patience);

        var payloadBytes = Sys.Serialization.FindSerializerFor(Large).ToBinary(Large).Length;
        Assert.InRange(payloadBytes, 2 * StoredApart.ChunkBytes + 1, 3 * StoredApart.ChunkBytes - 1);
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
            using var pieces = connection.CreateCommand();
            pieces.CommandText = "SELECT sequence_number, group_concat(length(bytes)) FROM (SELECT * FROM journal_chunks WHERE persistence_id = 'apart' ORDER BY chunk) GROUP BY sequence_number ORDER BY sequence_number";
            using var perRow = pieces.ExecuteReader();
            var expected = $"{StoredApart.ChunkBytes},{StoredApart.ChunkBytes},{payloadBytes - 2 * StoredApart.ChunkBytes}";
            Assert.True(perRow.Read());
            Assert.Equal((1L, expected), (perRow.GetInt64(0), perRow.GetString(1)));
            Assert.True(perRow.Read());
            Assert.Equal((2L, expected), (perRow.GetInt64(0), perRow.GetString(1)));
            Assert.False(perRow.Read());
        }

        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "apart", TestActor));
        Assert.Equal(Large, ExpectMsg<ReplayedMessage>(Patience).Persistent.Payload);
        Assert.Equal(Large, ExpectMsg<ReplayedMessage>(Patience).Persistent.Payload);
        ExpectMsg<RecoverySuccess>(Patience);

        var query = PersistenceQuery.Get(Sys).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var viaQuery = await query.CurrentEventsByPersistenceId("apart", 0, long.MaxValue)
            .RunWith(Sink.Seq<EventEnvelope>(), Sys.Materializer());
        Assert.Equal([Large, Large], viaQuery.Select(e => e.Event));
    }

    [Fact]
    public void MissingPieces_ReplayFailsNamingTheRow()
    {
        var journal = Persistence.Instance.Apply(Sys).JournalFor(null);
        journal.Tell(new WriteMessages([new AtomicWrite(new Persistent(Large, 1, "lost", "", false, TestActor, "w"))], TestActor, 1));
        ExpectMsg<WriteMessagesSuccessful>(Patience);
        ExpectMsg<WriteMessageSuccess>(Patience);
        Execute("DELETE FROM journal_chunks WHERE persistence_id = 'lost' AND chunk = 1");

        journal.Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "lost", TestActor));
        var failure = ExpectMsg<ReplayMessagesFailure>(Patience);
        Assert.Contains("lost #1", failure.Cause.ToString());
    }

    [Fact]
    public void RowStoredApartByTheFirstVersion_StillReplays()
    {
        var serializer = Sys.Serialization.FindSerializerFor(Large);
        var payload = serializer.ToBinary(Large);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload));
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, Large);
        // What stored-apart.v1 wrote: the payload whole under its hash, and a row referring to it.
        Execute("CREATE TABLE IF NOT EXISTS journal_content (sha256 TEXT NOT NULL PRIMARY KEY, bytes BLOB NOT NULL)");
        Execute("INSERT INTO journal_content (sha256, bytes) VALUES ($sha, $bytes)", ("$sha", sha), ("$bytes", payload));
        Execute(JournalSchema.Insert, ("$created", 0), ("$persistence_id", "v1"), ("$sequence_number", 1),
            ("$message", System.Text.Encoding.UTF8.GetBytes($$"""{"sha256":"{{sha}}","manifest":"{{manifest}}","length":{{payload.Length}}}""")),
            ("$manifest", StoredApart.ManifestV1), ("$identifier", serializer.Identifier), ("$writer_uuid", "w"));

        Persistence.Instance.Apply(Sys).JournalFor(null).Tell(new ReplayMessages(1, long.MaxValue, long.MaxValue, "v1", TestActor));
        Assert.Equal(Large, ExpectMsg<ReplayedMessage>(Patience).Persistent.Payload);
        ExpectMsg<RecoverySuccess>(Patience);
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={_db}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters.Where(p => sql.Contains(p.Name, StringComparison.Ordinal)))
            command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }
}
