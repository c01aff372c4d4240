using System.Collections.Concurrent;
using System.Diagnostics;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Bench;

/// <summary>Notes when each session starts each model call. A step's time is the gap between two calls of one session:
/// the model's answer, the tool, and whatever the mode adds (actors, journal, framework) — measured the same way in
/// every mode, so mode minus bare-loop is the added latency.</summary>
public sealed class StepClock
{
    private readonly ConcurrentDictionary<string, long> _lastStart = new();
    private readonly ConcurrentQueue<double> _stepsMs = new();
    private long _calls;

    public long Calls => Interlocked.Read(ref _calls);

    public void CallStarting(string sessionId)
    {
        Interlocked.Increment(ref _calls);
        var now = Stopwatch.GetTimestamp();
        if (_lastStart.TryGetValue(sessionId, out var last)) _stepsMs.Enqueue(Stopwatch.GetElapsedTime(last, now).TotalMilliseconds);
        _lastStart[sessionId] = now;
    }

    public (double P50, double P99) Percentiles()
    {
        var sorted = _stepsMs.ToArray();
        Array.Sort(sorted);
        return sorted.Length == 0 ? (0, 0) : (At(sorted, 0.50), At(sorted, 0.99));
    }

    /// <summary>How many sessions were between two model calls at an average moment of the run (Little's law: the
    /// steps' summed time over the wall time). With all sessions started at once it nears the concurrency; a mode whose
    /// sessions enter one by one keeps fewer in flight, and so less live state.</summary>
    public double MeanStepsInFlight(TimeSpan wall) => wall <= TimeSpan.Zero ? 0 : _stepsMs.Sum() / wall.TotalMilliseconds;

    private static double At(double[] sorted, double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}

/// <summary>The engine's and the bare loop's model client, timed.</summary>
public sealed class TimedModelClient(IModelClient inner, StepClock clock) : IModelClient
{
    public Task<ModelResponse> CompleteAsync(ModelRequest request, Action<ModelDelta>? onDelta, CancellationToken cancellationToken)
    {
        clock.CallStarting(request.SessionId);
        return inner.CompleteAsync(request, onDelta, cancellationToken);
    }
}
