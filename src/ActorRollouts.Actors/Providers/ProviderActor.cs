using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Core.Gates;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Retry;
using Akka.Actor;
using Akka.Event;
using static ActorRollouts.Actors.Providers.ProviderProtocol;

namespace ActorRollouts.Actors.Providers;

/// <summary>Runs one model call at a time for its session, off the mailbox (PipeTo), and retries failed attempts
/// with backoff. Every attempt and its outcome is reported to the session, which journals it. Deltas go straight to
/// the EventStream for live watchers.</summary>
public sealed class ProviderActor : ReceiveActor, IWithTimers
{
    private readonly IModelClient _client;
    private readonly ProviderRetrySettings _settings;
    private readonly string _sessionId;
    private readonly IActorRef? _gate;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private CancellationTokenSource? _inFlight;
    private (ModelRequest Request, int Attempt)? _awaitingGate;

    /// <summary>The session stopped while a call was going on: its outcome is dropped and nothing is retried.</summary>
    private bool _abandoned;

    public ITimerScheduler Timers { get; set; } = null!;

    public ProviderActor(IModelClient client, ProviderRetrySettings settings, string sessionId, IActorRef? gate)
    {
        _client = client;
        _settings = settings;
        _sessionId = sessionId;
        _gate = gate;

        Receive<CallModel>(call =>
        {
            _abandoned = false;
            PassGate(call.Request, attempt: 1);
        });
        Receive<RetryAttempt>(retry => PassGate(retry.Request, retry.Attempt));
        Receive<EndpointGate.Granted>(OnGranted);
        Receive<AttemptSucceeded>(ok =>
        {
            ReleaseGate(ok.Request, ok.Attempt, ok.Response.Usage.InputTokens + ok.Response.Usage.OutputTokens);
            if (!_abandoned) Context.Parent.Tell(new ModelAnswered(ok.Request.Turn, ok.Response));
        });
        Receive<AttemptErrored>(failed =>
        {
            ReleaseGate(failed.Request, failed.Attempt, null);
            if (!_abandoned) OnAttemptErrored(failed);
        });
        Receive<CancelCall>(_ =>
        {
            _abandoned = true;
            _awaitingGate = null;
            Timers.Cancel("retry");
            _inFlight?.Cancel();
        });
    }

    public static Props Props(IModelClient client, ProviderRetrySettings settings, string sessionId, IActorRef? gate = null) =>
        Akka.Actor.Props.Create<ProviderActor>(client, settings, sessionId, gate);

    /// <summary>With a gate, every attempt (retries too) waits for the endpoint's permission first.</summary>
    private void PassGate(ModelRequest request, int attempt)
    {
        if (_gate is null)
        {
            Go(request, attempt);
            return;
        }
        _awaitingGate = (request, attempt);
        _gate.Tell(new EndpointGate.Acquire(RequestId(request, attempt), TokenEstimate.For(request)));
    }

    private void OnGranted(EndpointGate.Granted granted)
    {
        if (_awaitingGate is not var (request, attempt) || RequestId(request, attempt) != granted.RequestId)
        {
            _gate?.Tell(new EndpointGate.Release(granted.RequestId, null)); // a grant nobody waits for any more is given back
            return;
        }
        _awaitingGate = null;
        Go(request, attempt);
    }

    /// <summary>Retries are announced to the session (it journals them); the first attempt it journaled itself.</summary>
    private void Go(ModelRequest request, int attempt)
    {
        if (attempt > 1) Context.Parent.Tell(new AttemptStarting(request.Turn, attempt));
        StartAttempt(request, attempt);
    }

    private void ReleaseGate(ModelRequest request, int attempt, long? tokens) =>
        _gate?.Tell(new EndpointGate.Release(RequestId(request, attempt), tokens));

    private string RequestId(ModelRequest request, int attempt) => $"{_sessionId}/{request.Turn}/{attempt}";

    private void StartAttempt(ModelRequest request, int attempt)
    {
        _inFlight?.Dispose();
        var timeout = new CancellationTokenSource(_settings.RequestTimeout);
        _inFlight = timeout;
        _client.CompleteAsync(request, DeltaPublisher(request.Turn), timeout.Token)
            .PipeTo(Self,
                success: response => new AttemptSucceeded(request, attempt, response),
                failure: error => new AttemptErrored(request, attempt, error, timeout.IsCancellationRequested));
    }

    /// <summary>Publishes the request's streamed deltas if someone watches this session; otherwise none are built.</summary>
    private Action<ModelDelta>? DeltaPublisher(int turn)
    {
        if (!DeltaWatch.For(Context.System).IsWatched(_sessionId)) return null;
        // The callback runs on the HTTP stream's thread: capture what it needs, never touch Context there.
        var eventStream = Context.System.EventStream;
        var sessionId = _sessionId;
        return delta => eventStream.Publish(new SessionNotifications.SessionDelta(sessionId, turn, delta));
    }

    private void OnAttemptErrored(AttemptErrored failed)
    {
        var (kind, status, retryAfter, retryable, message) = Describe(failed);
        var tooLongToWait = retryAfter > _settings.MaxRetryAfter;
        var willRetry = retryable && !tooLongToWait && failed.Attempt < _settings.MaxAttempts;
        if (tooLongToWait) message += $" (server asked to wait {retryAfter!.Value.TotalSeconds:0.#} s, more than the {_settings.MaxRetryAfter.TotalSeconds:0} s allowed)";

        _log.Warning("Session {0} turn {1} attempt {2} failed ({3}): {4}{5}", _sessionId, failed.Request.Turn, failed.Attempt,
            kind, message, willRetry ? " — retrying" : "");
        Context.Parent.Tell(new AttemptFailed(failed.Request.Turn, failed.Attempt, kind, status, retryAfter, willRetry, message));
        if (!willRetry) return;

        var delay = Backoff.Delay(failed.Attempt, retryAfter, _settings.InitialBackoff, _settings.MaxBackoff, Random.Shared.NextDouble());
        Timers.StartSingleTimer("retry", new RetryAttempt(failed.Request, failed.Attempt + 1), delay);
    }

    private static (string Kind, int? Status, TimeSpan? RetryAfter, bool Retryable, string Message) Describe(AttemptErrored failed) =>
        failed.Error switch
        {
            ModelCallException e => (e.Kind, e.HttpStatus, e.RetryAfter, e.Retryable, e.Message),
            OperationCanceledException when failed.TimedOut =>
                (ModelErrorKinds.Timeout, null, null, true, "the request timed out"),
            _ => (ModelErrorKinds.Protocol, null, null, false, $"unexpected {failed.Error.GetType().Name}: {failed.Error.Message}"),
        };

    protected override void PostStop()
    {
        _inFlight?.Cancel();
        _inFlight?.Dispose();
        base.PostStop();
    }

    private sealed record RetryAttempt(ModelRequest Request, int Attempt);

    private sealed record AttemptSucceeded(ModelRequest Request, int Attempt, ModelResponse Response);

    private sealed record AttemptErrored(ModelRequest Request, int Attempt, Exception Error, bool TimedOut);
}
