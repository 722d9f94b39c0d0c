using FluentValidation;
using FluentValidation.Results;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using Inference.Contracts.V1;
using Microsoft.Extensions.Options;
using WireChatMessage = Inference.Contracts.V1.ChatMessage;

namespace Inference.Server.Validation;

/// <summary>Checks a chat request before any model work: ranges as OpenAI documents them, and a clear refusal for
/// every parameter the engine cannot honour.</summary>
internal sealed class ChatCompleteRequestValidator : SamplingRequestValidator<ChatCompleteRequest>
{
    private static readonly string[] Roles = ["system", "developer", "user", "assistant", "tool"];

    public ChatCompleteRequestValidator(IOptions<ValidationOptions> options)
    {
        RuleFor(r => r.Model).RequiredModel();
        RuleFor(r => r.Messages).Custom(CheckMessages);

        RuleFor(r => r.MaxTokens).GreaterThanOrEqualTo(1).WhenSet(r => r.HasMaxTokens).Param("max_tokens");
        RuleFor(r => r.MaxCompletionTokens).GreaterThanOrEqualTo(1).WhenSet(r => r.HasMaxCompletionTokens).Param("max_completion_tokens");
        SamplingRules(options.Value.MaxChoices);
        RuleFor(r => r.TopLogprobs).InclusiveBetween(0, 20)
            .Must((r, _) => r.Logprobs).WithMessage("top_logprobs requires logprobs to be true.")
            .WhenSet(r => r.HasTopLogprobs).Param("top_logprobs");

        RuleFor(r => r.ResponseFormat).Must(f => TypeOf(f) is "" or "text").WhenSet(r => r.ResponseFormat is not null)
            .NotSupported("response_format", "response_format: only {\"type\": \"text\"} is supported; JSON modes and json_schema are not.");
        RuleFor(r => r.ToolChoice).Must(c => WireShapes.IsAbsent(c) || c.StringValue is "none" or "auto").WhenSet(r => r.ToolChoice is not null)
            .NotSupported("tool_choice", "tool_choice: only \"none\" and \"auto\" are supported; this server cannot force a tool call.");
        RuleFor(r => r.Tools).Must(AreNamedFunctions).WhenSet(r => r.Tools.Count > 0).WithMessage("Each tool must be a function with a name.").OverridePropertyName("tools");
        RuleFor(r => r.Modalities).Must(m => m.All(x => x == "text")).WhenSet(r => r.Modalities.Count > 0)
            .NotSupported("modalities", "modalities: only \"text\" output is supported.");
        RuleFor(r => r.Audio).Null().WhenSet(r => r.Audio is not null).NotSupported("audio", "audio output is not supported.");
        RuleFor(r => r.Prediction).Null().WhenSet(r => r.Prediction is not null).NotSupported("prediction", "Predicted outputs are not supported.");
    }

    /// <summary>
    /// Each message's role and content, reported as <c>messages[i].role</c> / <c>messages[i].content</c>. One rule over
    /// the list rather than a child validator per message: FluentValidation gives every child its own context, which
    /// was most of the cost of validating a cheap request.
    /// </summary>
    private static void CheckMessages(RepeatedField<WireChatMessage> messages, ValidationContext<ChatCompleteRequest> context)
    {
        if (messages.Count == 0)
        {
            context.AddFailure(new ValidationFailure("messages", "messages must contain at least one message."));
            return;
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            if (Array.IndexOf(Roles, message.Role) < 0)
            {
                context.AddFailure(new ValidationFailure(
                    $"messages[{i}].role", $"'{message.Role}' is not a valid role; use one of system, developer, user, assistant, tool."));
            }

            if (!WireShapes.IsTextContent(message.Content))
            {
                context.AddFailure(new ValidationFailure(
                    $"messages[{i}].content", "content must be a string or a list of text parts; this model reads text only.")
                {
                    ErrorCode = RequestValidation.Unsupported,
                });
            }
            else if (message.Role != "assistant" && WireShapes.IsAbsent(message.Content))
            {
                context.AddFailure(new ValidationFailure($"messages[{i}].content", $"content is required for a {message.Role} message."));
            }
        }
    }

    // Loops rather than LINQ: the rules run for every request, most of which carry no tools.
    private static bool AreNamedFunctions(RepeatedField<Tool> tools)
    {
        for (var i = 0; i < tools.Count; i++)
        {
            if (tools[i].Type is not ("" or "function") || string.IsNullOrEmpty(tools[i].Function?.Name))
            {
                return false;
            }
        }

        return true;
    }

    private static string TypeOf(Struct format) =>
        format.Fields.TryGetValue("type", out var type) ? type.StringValue : "";
}
