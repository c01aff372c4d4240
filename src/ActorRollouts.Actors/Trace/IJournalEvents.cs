using System.Collections.Immutable;
using Akka.Streams;

namespace ActorRollouts.Actors.Trace;

/// <summary>Where <see cref="JournalReader"/> reads events from: the SQLite file directly (<see cref="SqliteJournalEvents"/>)
/// or Akka.Persistence.Sql's Persistence Query (<see cref="PersistenceQueryEvents"/>, for PostgreSQL).</summary>
internal interface IJournalEvents
{
    /// <summary>The events of <paramref name="persistenceId"/> from <paramref name="fromSeq"/> on, as journaled so far.</summary>
    Task<ImmutableList<(long Seq, object Event)>> CurrentAsync(string persistenceId, long fromSeq);

    Task<ImmutableList<string>> PersistenceIdsAsync();

    /// <summary>Every event of <paramref name="persistenceId"/>, those journaled so far and then each new one, for as long
    /// as <paramref name="materializer"/> lives.</summary>
    void Follow(string persistenceId, Action<object> onEvent, IMaterializer materializer);
}
