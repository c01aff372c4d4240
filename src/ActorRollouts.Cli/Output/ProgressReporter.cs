using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Sessions;
using Akka.Actor;

namespace ActorRollouts.Cli.Output;

/// <summary>Live progress of a run on stderr: a bar rewritten in place on a terminal, a plain line every few seconds
/// (only when something changed) otherwise. Fed from the EventStream, so it never slows a session down.</summary>
public sealed class ProgressReporter : ReceiveActor, IWithTimers
{
    private readonly TextWriter _out;
    private readonly bool _interactive;
    private FleetNotifications.FleetProgressed? _fleet;
    private long _turns, _inputTokens, _outputTokens;
    private string _lastPlainLine = "";
    private readonly HashSet<string> _tokenlessEndpoints = [];

    public ITimerScheduler Timers { get; set; } = null!;

    public ProgressReporter(TextWriter output, bool interactive)
    {
        _out = output;
        _interactive = interactive;
        Receive<FleetNotifications.FleetProgressed>(p => _fleet = p);
        Receive<SessionNotifications.SessionProgressed>(p =>
        {
            _turns++;
            _inputTokens += p.TurnUsage.InputTokens;
            _outputTokens += p.TurnUsage.OutputTokens;
        });
        Receive<SessionNotifications.TokensUnavailable>(t =>
        {
            if (!_tokenlessEndpoints.Add(t.BaseUrl)) return;
            if (_interactive) _out.WriteLine();
            _out.WriteLine($"warning: {t.BaseUrl} (model {t.Model}) answered without token ids although --tokens asked for them; " +
                           "those turns are journaled as tokens \"unavailable\" and the token export marks them. " +
                           "A vLLM server gives them (return_token_ids needs vLLM 0.10.2 or later).");
        });
        Receive<Render>(_ => Draw());
        Receive<Flush>(_ =>
        {
            Draw();
            if (_interactive) _out.WriteLine();
            Sender.Tell(Done.Instance);
        });
    }

    public static Props Props(TextWriter output, bool interactive) =>
        Akka.Actor.Props.Create(() => new ProgressReporter(output, interactive));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(FleetNotifications.FleetProgressed));
        Context.System.EventStream.Subscribe(Self, typeof(SessionNotifications.SessionProgressed));
        Context.System.EventStream.Subscribe(Self, typeof(SessionNotifications.TokensUnavailable));
        Timers.StartPeriodicTimer("render", Render.Instance, TimeSpan.FromMilliseconds(_interactive ? 250 : 2000));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void Draw()
    {
        if (_fleet is not { } f) return;
        var finished = f.Completed + f.Failed;
        // Turns and tokens as this process's sessions report them live; a cluster fleet's sessions run elsewhere, and
        // then the finished sessions' totals are what there is.
        var usage = _turns > 0 || f.Finished is not { } done
            ? $"{_turns} turns · {_inputTokens:N0} in / {_outputTokens:N0} out tokens"
            : $"{done.Turns} turns · {done.InputTokens:N0} in / {done.OutputTokens:N0} out tokens in finished sessions";
        var counts = $"{finished}/{f.Total} done ({f.Completed} completed, {f.Failed} failed), {f.Running} running · {usage}";
        if (_interactive)
        {
            const int width = 24;
            var filled = f.Total == 0 ? 0 : (int)((long)finished * width / f.Total);
            _out.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {counts}   ");
            return;
        }
        var line = $"progress: {counts}";
        if (line == _lastPlainLine) return;
        _lastPlainLine = line;
        _out.WriteLine(line);
    }

    private sealed record Render
    {
        public static readonly Render Instance = new();
    }

    /// <summary>Draw a last time and answer <see cref="Done"/>, so the summary prints after the final progress.</summary>
    public sealed record Flush
    {
        public static readonly Flush Instance = new();
    }

    public sealed record Done
    {
        public static readonly Done Instance = new();
    }
}
