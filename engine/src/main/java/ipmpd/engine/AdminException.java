package ipmpd.engine;

/** An administrative request refused; the message is the text the real tool prints. */
public final class AdminException extends Exception {
    public AdminException(String message) {
        super(message);
    }
}
