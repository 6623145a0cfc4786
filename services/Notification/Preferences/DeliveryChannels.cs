namespace Mesh.Notification.Preferences;

/// <summary>The channels a delivery goes out on (deliveries.channel); the inbox and live push are not deliveries.</summary>
public static class DeliveryChannels
{
    public const string Email = "email";
    public const string Sms = "sms";
    public static readonly string[] All = [Email, Sms];
}
