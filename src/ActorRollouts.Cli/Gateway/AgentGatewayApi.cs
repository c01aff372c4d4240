using ActorRollouts.Actors.Agents;
using ActorRollouts.Core.Agents;
using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static ActorRollouts.Actors.Agents.AgentProtocol;

namespace ActorRollouts.Cli.Gateway;

/// <summary>The OpenAI-compatible routes agents call: <c>POST /v1/chat/completions</c> (streamed or not) and
/// <c>GET /v1/models</c>. Every error is OpenAI's error shape, which the SDKs turn into their exceptions: a wrong key is a
/// 401, a request that cannot be read or forwarded a 400 naming the field (journaled in the session).</summary>
public static class AgentGatewayApi
{
    public static void Map(WebApplication app, AgentGatewayLinks links)
    {
        app.MapGet("/v1/models", (HttpContext context) => Authorized(context, links) is null
            ? ErrorAsync(context, 401, "Incorrect API key: agents use the key in their OPENAI_API_KEY.", "invalid_request_error", "invalid_api_key")
            : context.Response.WriteAsJsonAsync(new { @object = "list", data = new[] { new { id = "actor-rollouts", @object = "model", created = 0, owned_by = "actor-rollouts" } } }));
        app.MapPost("/v1/chat/completions", (HttpContext context) => ChatAsync(context, links));
        app.MapPost("/v1/responses", (HttpContext context) =>
            ErrorAsync(context, 400, "This gateway serves the Chat Completions API (/v1/chat/completions); the Responses API is not served yet.", "invalid_request_error", "unsupported_api"));
        app.MapFallback((HttpContext context) => ErrorAsync(context, 404, $"No route {context.Request.Method} {context.Request.Path}: this gateway serves " +
            "POST /v1/chat/completions and GET /v1/models.", "invalid_request_error", "unknown_url"));
    }

    private static async Task ChatAsync(HttpContext context, AgentGatewayLinks links)
    {
        if (Authorized(context, links) is not { } session)
        {
            await ErrorAsync(context, 401, "Incorrect API key: agents use the key in their OPENAI_API_KEY.", "invalid_request_error", "invalid_api_key");
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        object question;
        AgentRequest? request = null;
        try
        {
            request = ChatWire.Parse(body.GetBuffer().AsSpan(0, (int)body.Length));
            question = new AgentTurn(request);
        }
        catch (AgentRequestException bad)
        {
            question = new AgentTurnInvalid(bad.Message, bad.Param);
        }
        object reply;
        try
        {
            reply = await session.Ask<object>(question, Timeout.InfiniteTimeSpan, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return; // the agent hung up: the turn is journaled all the same
        }
        switch (reply)
        {
            case AgentTurnAnswered { Answer: var answer } when request!.Stream:
                context.Response.ContentType = "text/event-stream";
                context.Response.Headers.CacheControl = "no-cache";
                foreach (var chunk in ChatAnswerWriter.Chunks(answer, request.IncludeUsage))
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                break;
            case AgentTurnAnswered { Answer: var answer }:
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(ChatAnswerWriter.Completion(answer), context.RequestAborted);
                break;
            case AgentTurnRefused refused:
                await ErrorAsync(context, refused.Status, refused.Message, refused.Type, refused.Code);
                break;
        }
    }

    /// <summary>The session whose key the request carries, or null.</summary>
    private static IActorRef? Authorized(HttpContext context, AgentGatewayLinks links)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && links.Find(header["Bearer ".Length..].Trim()) is { } found ? found.Session : null;
    }

    private static async Task ErrorAsync(HttpContext context, int status, string message, string type, string? code)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(OpenAiError.Body(message, type, code: code));
    }
}
