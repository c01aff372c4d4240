using System.Text.Json.Nodes;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Trace;
using static ActorRollouts.Core.Sessions.SessionEvents;
using static ActorRollouts.Core.Sessions.SessionInputs;
using static ActorRollouts.Core.Tests.Given;

namespace ActorRollouts.Core.Tests;

public class TraceLinesTests
{
    [Fact]
    public void ToLine_SessionStarted_IsMetadataLine()
    {
        var line = TraceLines.ToLine(1, new SessionStarted(Spec(), "/ws/t1-0", T0));

        Assert.Equal("metadata", (string?)line["_type"]);
        Assert.Equal("f1:t1:0", (string?)line["session_id"]);
        Assert.Equal("gpt-4o", (string?)line["model"]);
        Assert.Equal("/ws/t1-0", (string?)line["workspace"]);
        Assert.Equal("2026-11-24T12:00:00.0000000+00:00", (string?)line["created_at"]);
        Assert.Equal(1, (long?)line["seq"]);
    }

    [Fact]
    public void ToLine_AssistantMessage_CarriesRoleContentToolCallsAndSeq()
    {
        var message = Message.Assistant("reading", [Call("c1")]);

        var line = TraceLines.ToLine(5, new MessageAppended(message, T0));

        Assert.Equal(("message", "assistant", "reading", 5L), ((string?)line["_type"], (string?)line["role"], (string?)line["content"], (long?)line["seq"]));
        var call = line["tool_calls"]![0]!;
        Assert.Equal(("c1", "read_file", """{"path":"a.txt"}"""), ((string?)call["id"], (string?)call["name"], (string?)call["arguments"]));
    }

    [Fact]
    public void ToLine_ToolCallStarted_IsEventWithNameIdArguments()
    {
        var line = TraceLines.ToLine(6, new ToolCallStarted("c1", "read_file", "{}", T0));

        Assert.Equal(("event", "tool_call_started"), ((string?)line["_type"], (string?)line["type"]));
        Assert.Equal(("read_file", "c1", "{}"), ((string?)line["data"]!["name"], (string?)line["data"]!["tool_call_id"], (string?)line["data"]!["arguments"]));
        Assert.NotNull(line["timestamp"]);
    }

    [Fact]
    public void SessionTrace_ToolCallStartedWithoutArguments_ShowsTheAssistantMessagesArguments()
    {
        var asked = Message.Assistant(null, [Call("c1"), new ToolCall("c2", "bash", """{"command":"ls"}""")]);
        ISessionEvent[] events =
        [
            new MessageAppended(asked, T0),
            new ConfirmationRequested("c2", "bash", null, T0),
            new ToolCallStarted("c1", "read_file", null, T0),
            new ToolCallStarted("c2", "bash", null, T0),
        ];

        var lines = SessionTrace.Lines(events.Select((e, i) => ((long)i + 1, e))).ToList();

        Assert.Equal(["""{"command":"ls"}""", """{"path":"a.txt"}""", """{"command":"ls"}"""],
            lines.Skip(1).Select(l => (string?)l["data"]!["arguments"]));
    }

    [Fact]
    public void SessionTrace_CallRedoneAfterAResume_StillShowsItsArguments()
    {
        ISessionEvent[] events =
        [
            new MessageAppended(Message.Assistant(null, [Call("c1")]), T0),
            new ToolCallStarted("c1", "read_file", null, T0),
            new SessionResumed(2, ["c1"], T0),
            new ToolCallStarted("c1", "read_file", null, T0),
        ];

        var lines = SessionTrace.Lines(events.Select((e, i) => ((long)i + 1, e))).ToList();

        Assert.Equal("""{"path":"a.txt"}""", (string?)lines[3]["data"]!["arguments"]);
    }

    [Fact]
    public void SessionTrace_JournalFromBeforeWithArgumentsOnTheEvent_KeepsThem()
    {
        var lines = SessionTrace.Lines([(1L, new ToolCallStarted("c1", "read_file", "{}", T0))]).ToList();

        Assert.Equal("{}", (string?)lines[0]["data"]!["arguments"]);
    }

    [Fact]
    public void ToLine_ToolCallCompleted_CarriesResultAndDuration()
    {
        var result = ToolResult.Failure(Call("c9"), ErrorCodes.ToolUnknown, "Unknown tool");

        var data = TraceLines.ToLine(7, new ToolCallCompleted(result, 42, T0))["data"]!.AsObject();

        Assert.Equal((false, "E_TOOL_UNKNOWN", "c9", 42L), ((bool?)data["ok"], (string?)data["error_code"], (string?)data["tool_call_id"], (long?)data["duration_ms"]));
    }

    [Fact]
    public void ToLine_EveryEventOfARealSession_HasTypeSeqAndTimestamp()
    {
        var a = Call("c1");
        var inputs = new ISessionInput[]
        {
            new Start(Spec(), "/ws", T0), new ModelAttemptStarting(1, 1, T0),
            new ModelAttemptFailed(1, 1, "http", 500, TimeSpan.FromSeconds(1), true, "boom", T0),
            new ModelResponded(1, Answer(null, a), T0), new ToolStarting(a, T0), new ToolFinished(Ok(a), 2, T0),
            new Resume(3, _ => true, T0), new Finish("done", T0),
        };
        var state = SessionState.Empty;
        var events = new List<ISessionEvent>();
        foreach (var input in inputs)
        {
            var batch = SessionDecider.Decide(state, input);
            events.AddRange(batch);
            state = batch.Aggregate(state, (s, e) => s.Apply(e));
        }

        var lines = events.Select((e, i) => TraceLines.ToLine(i + 1, e)).ToList();

        Assert.All(lines, (line, i) => Assert.Equal(i + 1, (long?)line["seq"]));
        Assert.All(lines.Skip(1), line => Assert.NotNull(line["timestamp"]));
        Assert.DoesNotContain(lines, line => (string?)line["type"] == "unknown");
        Assert.Equal(["model_request_started", "model_request_failed", "model_response_received", "usage_update", "tool_call_started", "tool_call_completed", "session_resumed", "session_completed"],
            lines.Where(l => (string?)l["_type"] == "event").Select(l => (string?)l["type"]));
    }
}

public class FileChangeTraceTests
{
    [Fact]
    public void Decide_ToolFinishedWithChanges_JournalsOneFileChangedEachBetweenCompletedAndToolMessage()
    {
        var call = Given.Call("c1", "bash", """{"command":"x"}""");
        var state = Given.Run(Given.Started(), new SessionInputs.ModelAttemptStarting(1, 1, Given.T0),
            new SessionInputs.ModelResponded(1, Given.Answer(null, call), Given.T0), new SessionInputs.ToolStarting(call, Given.T0));
        var changes = System.Collections.Immutable.ImmutableList.Create(
            new FileChange("new.txt", FileChangeKinds.Created, null, 3, "--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,1 @@\n+hi\n", "aa"),
            new FileChange("old.bin", FileChangeKinds.Deleted, 10, null, null, null));

        var events = SessionDecider.Decide(state, new SessionInputs.ToolFinished(Given.Ok(call), 5, Given.T0, changes));

        Assert.Equal(["ToolCallCompleted", "FileChanged", "FileChanged", "MessageAppended"], events.Select(e => e.GetType().Name));
        var lines = events.Select((e, i) => TraceLines.ToLine(i + 1, e)).ToList();
        Assert.Equal(["file_created", "file_deleted"], lines.Skip(1).Take(2).Select(l => (string?)l["type"]));
        Assert.Equal(("new.txt", "c1", 3L), ((string?)lines[1]["data"]!["path"], (string?)lines[1]["data"]!["tool_call_id"], (long?)lines[1]["data"]!["new_bytes"]));
    }
}
