namespace ActorRollouts.Actors.Storage;

/// <summary>One event as stored: its payload serialised by Akka's serialization (our serializer, for our events).</summary>
public sealed record JournalRow(
    string PersistenceId, long SequenceNr, long Created, byte[] Message, string Manifest, int SerializerId, string? WriterUuid);

/// <summary>One event to store: <see cref="JournalRow"/> with its payload as the serializer wrote it (see
/// <see cref="Serialization.PooledBytes"/>), disposed once stored.</summary>
public sealed record JournalWrite(
    string PersistenceId, long SequenceNr, long Created, Serialization.PooledBytes Message, string Manifest, int SerializerId, string? WriterUuid);
