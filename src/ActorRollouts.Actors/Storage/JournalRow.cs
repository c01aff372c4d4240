namespace ActorRollouts.Actors.Storage;

/// <summary>One event as stored: its payload serialised by Akka's serialization (our serializer, for our events).</summary>
public sealed record JournalRow(
    string PersistenceId, long SequenceNr, long Created, byte[] Message, string Manifest, int SerializerId, string? WriterUuid);
