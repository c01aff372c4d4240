namespace ActorRollouts.Bench;

/// <summary>A line on stderr every few seconds, so a long run shows it is moving.</summary>
public sealed class Progress : IDisposable
{
    private readonly Timer _timer;

    private Progress(TimeSpan every, Func<string> line) =>
        _timer = new Timer(_ => Console.Error.WriteLine($"  … {line()}"), null, every, every);

    public static Progress Every(TimeSpan every, Func<string> line) => new(every, line);

    public void Dispose() => _timer.Dispose();
}
