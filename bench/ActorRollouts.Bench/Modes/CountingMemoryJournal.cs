using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace ActorRollouts.Bench.Modes;

/// <summary>Akka's in-memory journal, counting the events written (for engine-memory's journal events/s).</summary>
public sealed class CountingMemoryJournal : MemoryJournal
{
    private static long _written;

    public static long Written => Interlocked.Read(ref _written);

    protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        Interlocked.Add(ref _written, writes.Sum(w => ((IImmutableList<IPersistentRepresentation>)w.Payload).Count));
        return base.WriteMessagesAsync(writes, cancellationToken);
    }
}
