<?php
/**
 * The <mesh-pay-button> element as posts and pages print it, shared by the shortcode and the block.
 * Every attribute is escaped here, whatever an author (or an attacker with author rights) typed.
 *
 * @package MeshPay
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * @param array $args { order_id, label, theme } as the author gave them.
 * @return string HTML.
 */
function mesh_pay_button_markup( $args ) {
	$token_url = mesh_pay_token_url();
	if ( '' === $token_url ) {
		// Visitors see nothing; whoever can fix it is told how.
		return current_user_can( 'manage_options' )
			? '<p class="mesh-pay-notice">' . esc_html__( 'Mesh Pay: set the token URL in Settings → Mesh Pay to show this button.', 'mesh-pay' ) . '</p>'
			: '';
	}
	mesh_pay_enqueue_button_script();

	$order_id = isset( $args['order_id'] ) && is_scalar( $args['order_id'] ) ? substr( (string) $args['order_id'], 0, 64 ) : '';
	$label    = isset( $args['label'] ) && is_scalar( $args['label'] ) ? substr( (string) $args['label'], 0, 200 ) : '';
	$theme    = isset( $args['theme'] ) && in_array( $args['theme'], array( 'light', 'dark', 'system' ), true ) ? $args['theme'] : '';

	$html = '<mesh-pay-button token-url="' . esc_url( $token_url ) . '"';
	if ( '' !== $order_id ) {
		$html .= ' order-id="' . esc_attr( $order_id ) . '"';
	}
	if ( '' !== $label ) {
		$html .= ' label="' . esc_attr( $label ) . '"';
	}
	if ( '' !== $theme ) {
		$html .= ' theme="' . esc_attr( $theme ) . '"';
	}
	return $html . '></mesh-pay-button>';
}
