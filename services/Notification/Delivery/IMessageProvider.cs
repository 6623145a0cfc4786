namespace Mesh.Notification.Delivery;

/// <summary>One email or SMS to send.</summary>
public sealed record OutgoingMessage(Guid IdempotencyKey, string Channel, string Destination, string Subject, string Body);

/// <summary>
/// The boundary to whatever really sends email and SMS. A provider must honour the idempotency key (the delivery
/// id): sending the same key twice sends once — that is what makes a crash between "sent" and "recorded as sent"
/// harmless. Throwing means "not sent"; the delivery is retried with back-off.
/// </summary>
public interface IMessageProvider
{
    Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken);
}
