using ActorRollouts.Actors.Sessions;
using Akka.Actor;
using static ActorRollouts.Actors.Sessions.ConfirmationProtocol;

namespace ActorRollouts.Cli.Output;

/// <summary><c>--confirm ask</c>: asks a person, one question at a time, on stderr, and reads the answer from stdin
/// (a terminal, or a script piping "y"/"n" lines). Reading happens off the mailbox, so sessions and other questions
/// keep flowing while a question waits. No answer (end of input) is a refusal.</summary>
public sealed class TerminalConfirmer : ReceiveActor, IWithStash
{
    private readonly TextReader _input;
    private readonly TextWriter _prompt;

    public IStash Stash { get; set; } = null!;

    public TerminalConfirmer(TextReader input, TextWriter prompt)
    {
        _input = input;
        _prompt = prompt;
        Idle();
    }

    public static Props Props(TextReader input, TextWriter prompt) => Akka.Actor.Props.Create(() => new TerminalConfirmer(input, prompt));

    private void Idle() => Receive<ConfirmRequest>(Ask);

    private void Ask(ConfirmRequest request)
    {
        var session = Sender;
        _prompt.Write($"\n[confirm] {request.SessionId} wants to run {request.Call.Name} {request.Call.Arguments}. Allow? [y/N] ");
        var input = _input;
        Task.Run(() => input.ReadLine()).PipeTo(Self, success: line => new Answered(session, request, line), failure: _ => new Answered(session, request, null));
        Become(() =>
        {
            Receive<ConfirmRequest>(_ => Stash.Stash());
            Receive<Answered>(answered =>
            {
                var approved = answered.Line?.Trim().ToLowerInvariant() is "y" or "yes";
                answered.Session.Tell(new ConfirmAnswer(answered.Request.SessionId, answered.Request.Call.Id, approved,
                    answered.Line is null ? "user:no-answer" : "user"));
                Become(Idle);
                Stash.UnstashAll();
            });
        });
    }

    private sealed record Answered(IActorRef Session, ConfirmRequest Request, string? Line);
}
