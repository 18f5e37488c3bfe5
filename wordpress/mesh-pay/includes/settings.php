<?php
/**
 * Settings → Mesh Pay: the one thing a site owner configures, the address of the kit's token route
 * on their own server. Everything about the payment (amount, destination) is decided there, never
 * here, so nothing in WordPress can change what a shopper pays.
 *
 * @package MeshPay
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const MESH_PAY_OPTION_TOKEN_URL = 'mesh_pay_token_url';

function mesh_pay_register_settings() {
	register_setting(
		'mesh_pay',
		MESH_PAY_OPTION_TOKEN_URL,
		array(
			'type'              => 'string',
			'description'       => __( 'The Mesh Pay kit token route, e.g. https://pay.example.com/mesh/link-token', 'mesh-pay' ),
			'sanitize_callback' => 'mesh_pay_sanitize_token_url',
			'default'           => '',
			'show_in_rest'      => false,
		)
	);
	add_settings_section( 'mesh_pay_kit', __( 'Your Mesh Pay kit', 'mesh-pay' ), 'mesh_pay_settings_intro', 'mesh-pay' );
	add_settings_field(
		MESH_PAY_OPTION_TOKEN_URL,
		__( 'Token URL', 'mesh-pay' ),
		'mesh_pay_token_url_field',
		'mesh-pay',
		'mesh_pay_kit',
		array( 'label_for' => MESH_PAY_OPTION_TOKEN_URL )
	);
}

/**
 * Keeps only an absolute http(s) URL; anything else is refused with a notice and the previous value
 * kept, so a typo never silently breaks every button on the site.
 *
 * @param mixed $value What the form sent.
 * @return string
 */
function mesh_pay_sanitize_token_url( $value ) {
	$previous = (string) get_option( MESH_PAY_OPTION_TOKEN_URL, '' );
	$value    = is_string( $value ) ? trim( $value ) : '';
	if ( '' === $value ) {
		return '';
	}
	// Checked as typed: esc_url_raw() alone would "repair" `not a url` into `http://not%20a%20url`.
	$parts = wp_parse_url( $value );
	$valid = strlen( $value ) <= 2048
		&& preg_match( '#^https?://#i', $value )
		&& false !== filter_var( $value, FILTER_VALIDATE_URL )
		&& is_array( $parts )
		&& ! empty( $parts['host'] )
		&& ! isset( $parts['user'] )
		&& ! isset( $parts['pass'] );
	$clean = $valid ? esc_url_raw( $value, array( 'http', 'https' ) ) : '';
	if ( '' === $clean ) {
		add_settings_error( MESH_PAY_OPTION_TOKEN_URL, 'mesh_pay_token_url_invalid', __( 'The token URL must be a full http(s) address like https://pay.example.com/mesh/link-token. The previous value was kept.', 'mesh-pay' ) );
		return $previous;
	}
	return $clean;
}

/** The configured token route, or '' when none is set. */
function mesh_pay_token_url() {
	return (string) get_option( MESH_PAY_OPTION_TOKEN_URL, '' );
}

function mesh_pay_add_settings_page() {
	add_options_page( __( 'Mesh Pay', 'mesh-pay' ), __( 'Mesh Pay', 'mesh-pay' ), 'manage_options', 'mesh-pay', 'mesh_pay_render_settings_page' );
}

function mesh_pay_settings_link( $links ) {
	$links[] = '<a href="' . esc_url( admin_url( 'options-general.php?page=mesh-pay' ) ) . '">' . esc_html__( 'Settings', 'mesh-pay' ) . '</a>';
	return $links;
}

function mesh_pay_settings_intro() {
	echo '<p>' . esc_html__( 'Buttons ask this address for a payment. It is your Mesh Pay kit (the backend-kit router) on your server. When it is on another origin than this site, add this site’s origin to the kit’s allowed origins (MESH_ALLOWED_ORIGINS in the demo, cors.origins in the kit), and this site’s domain to the allowed domains in your Mesh dashboard.', 'mesh-pay' ) . '</p>';
	echo '<p>' . esc_html__( 'Place a button with the shortcode [mesh_pay_button order_id="order-123" label="Pay with crypto"] or the “Mesh Pay button” block.', 'mesh-pay' ) . '</p>';
}

function mesh_pay_token_url_field() {
	printf(
		'<input type="url" class="regular-text code" id="%1$s" name="%1$s" value="%2$s" placeholder="https://pay.example.com/mesh/link-token" maxlength="2048" />',
		esc_attr( MESH_PAY_OPTION_TOKEN_URL ),
		esc_attr( mesh_pay_token_url() )
	);
}

function mesh_pay_render_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	echo '<div class="wrap"><h1>' . esc_html( get_admin_page_title() ) . '</h1><form action="options.php" method="post">';
	settings_fields( 'mesh_pay' );
	do_settings_sections( 'mesh-pay' );
	submit_button();
	echo '</form></div>';
}
