namespace ActorRollouts.Core.Tokens;

/// <summary>Where the journal keeps a turn's token arrays when they are large (<c>blobs/</c>, by SHA-256, like large file
/// contents): base64 in a JSON row adds a third to every byte, which would put an 8,000-token turn over the budget of 8
/// bytes a token. Implemented by the journal's serializer, which makes its store current while it writes or reads a row
/// (<see cref="TokenBlobs.Use"/>); blocking I/O, on the journal's threads, as the row's own write is.</summary>
public interface ITokenBlobStore
{
    /// <summary>Stores <paramref name="content"/> (once per content) and returns its SHA-256 in hex.</summary>
    string Put(ReadOnlySpan<byte> content);

    /// <summary>The content stored under <paramref name="sha256"/>; throws naming it when it is missing.</summary>
    byte[] Get(string sha256);
}

/// <summary>The token blob store of the serialization running on this thread, if any. Outside the journal's serializer
/// (a trace line, a test) there is none, and tokens are written inline whatever their size.</summary>
public static class TokenBlobs
{
    /// <summary>Packed arrays up to this size stay in the row: base64 costs at most a third of it, a fixed cost per turn,
    /// and a small turn needs no file of its own.</summary>
    public const int InlineLimit = 8 * 1024;

    [ThreadStatic] private static ITokenBlobStore? _current;

    internal static ITokenBlobStore? Current => _current;

    public static Scope Use(ITokenBlobStore? store)
    {
        var previous = _current;
        _current = store;
        return new Scope(previous);
    }

    public readonly struct Scope(ITokenBlobStore? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
